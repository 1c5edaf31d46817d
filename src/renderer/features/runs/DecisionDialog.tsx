import { useEffect, useRef } from 'react';
import { useDecision, type DecisionTarget } from './decision-store';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { Who } from '../../ui/Who';

/**
 * Approving or rejecting: a comment is required and recorded (audit + card). A step of this device's
 * run continues or stops here; a card recorded on another device is signed under this device's
 * certificate, encrypted to the tenant key and queued for sync, and the field device applies it when
 * it pulls.
 */
export function DecisionDialog() {
  const { deciding, ask, decide } = useDecision();
  const approve = deciding?.decision === 'approve';
  const tenant = deciding?.scope === 'tenant';
  return (
    <>
      <DecisionConfirmation />
      <ReasonDialog
        open={deciding !== null}
        title={`${approve ? 'Approve' : 'Reject'} this ${tenant ? 'card' : 'step'}?`}
        reasonLabel={tenant ? 'Comment' : 'Comment (why)'}
        confirmLabel={tenant ? 'Confirm' : approve ? 'Approve' : 'Reject'}
        busyLabel={approve ? 'Approving…' : 'Rejecting…'}
        danger={!approve}
        testId={tenant ? 'team-decision-dialog' : 'decision-dialog'}
        onCancel={() => ask(null)}
        onConfirm={decide}
      >
        {deciding?.scope === 'tenant' ? <TenantText d={deciding} /> : <DeviceText approve={approve} />}
      </ReasonDialog>
    </>
  );
}

/**
 * After a decision: what was decided and what happens next, focused, so the keyboard does not land on
 * the next card's Approve button (which sits where the last one was).
 */
function DecisionConfirmation() {
  const { confirmation, dismiss } = useDecision();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!confirmation) return;
    // After the closing dialog has handed focus back to the button that opened it.
    const t = setTimeout(() => ref.current?.focus(), 50);
    return () => clearTimeout(t);
  }, [confirmation]);
  if (!confirmation) return null;
  return (
    <div ref={ref} className="card decision-confirmation" role="status" tabIndex={-1} data-testid="decision-confirmation">
      <p className="small">{confirmation}</p>
      <button type="button" className="secondary small-btn" onClick={dismiss}>
        OK
      </button>
    </div>
  );
}

function DeviceText({ approve }: { approve: boolean }) {
  return (
    <p className="small">
      {approve
        ? 'The run continues from the waiting step. Your name, the time and your comment are added to the decision card and the audit log.'
        : 'The run stops and its finished steps are compensated in reverse. Your name, the time and your comment are recorded.'}
    </p>
  );
}

function TenantText({ d }: { d: Extract<DecisionTarget, { scope: 'tenant' }> }) {
  return (
    <>
      <p className="small">
        <strong>{d.subject}</strong>
        <br />
        Recorded on <Who device={d.device} /> by <Who profile={d.user || null} /> · run <span className="mono">{d.runId}</span>
      </p>
      <p className="small">
        {d.decision === 'approve'
          ? 'The run continues on that device once it pulls your approval.'
          : 'The run stops on that device once it pulls your rejection; its finished steps are compensated.'}{' '}
        This device signs your decision under its certificate and sends it through the sync server. If another reviewer decided first, theirs stands and you
        will see it here. Your name, the time and your comment are recorded in the audit log.
      </p>
    </>
  );
}
