import { useTeam } from './team-store';
import { ReasonDialog } from '../../ui/ReasonDialog';

/**
 * Approving or rejecting a card recorded on another device: a comment is required, then Confirm.
 * This device signs the decision under its certificate, encrypts it to the tenant key and queues it
 * for sync (team.decide); the field device applies it when it pulls.
 */
export function TeamDecisionDialog({ onDone }: { onDone?: () => void }) {
  const { deciding, askDecide, decide } = useTeam();
  const approve = deciding?.decision === 'approve';
  return (
    <ReasonDialog
      open={deciding !== null}
      title={approve ? 'Approve this card?' : 'Reject this card?'}
      reasonLabel="Comment"
      confirmLabel="Confirm"
      busyLabel={approve ? 'Approving…' : 'Rejecting…'}
      danger={!approve}
      testId="team-decision-dialog"
      onCancel={() => askDecide(null)}
      onConfirm={async (comment) => {
        await decide(comment);
        onDone?.();
      }}
    >
      {deciding && (
        <>
          <p className="small">
            <strong>{deciding.subject}</strong>
            <br />
            Recorded on device <span className="mono">{deciding.device}</span> by {deciding.user} · run <span className="mono">{deciding.runId}</span>
          </p>
          <p className="small">
            {approve
              ? 'The run continues on that device once it pulls your approval.'
              : 'The run stops on that device once it pulls your rejection; its finished steps are compensated.'}{' '}
            This device signs your decision under its certificate and sends it through the sync server. If another reviewer decided first, theirs stands and you
            will see it here. Your name, the time and your comment are recorded in the audit log.
          </p>
        </>
      )}
    </ReasonDialog>
  );
}
