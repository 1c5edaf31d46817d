import { useRuns } from './runs-store';
import { ReasonDialog } from '../../ui/ReasonDialog';

/** Approving or rejecting a RED step: a reviewer's comment is required and recorded (audit + card). */
export function DecisionDialog({ onDone }: { onDone?: () => void }) {
  const { deciding, askDecision, decide } = useRuns();
  const approve = deciding?.decision === 'approve';
  return (
    <ReasonDialog
      open={deciding !== null}
      title={approve ? 'Approve this step?' : 'Reject this step?'}
      reasonLabel="Comment (why)"
      confirmLabel={approve ? 'Approve' : 'Reject'}
      busyLabel={approve ? 'Approving…' : 'Rejecting…'}
      danger={!approve}
      testId="decision-dialog"
      onCancel={() => askDecision(null)}
      onConfirm={async (comment) => {
        await decide(comment);
        onDone?.();
      }}
    >
      <p className="small">
        {approve
          ? 'The run continues from the waiting step. Your name, the time and your comment are added to the decision card and the audit log.'
          : 'The run stops and its finished steps are compensated in reverse. Your name, the time and your comment are recorded.'}
      </p>
    </ReasonDialog>
  );
}
