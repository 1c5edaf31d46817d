import { useOutbox } from './outbox-store';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { outboxProblem } from './outbox-words';

/** Discarding is final and audited: confirm, with a reason. */
export function DiscardDialog() {
  const { discarding, askDiscard, discard } = useOutbox();
  return (
    <ReasonDialog
      open={discarding !== null}
      title="Discard this item?"
      reasonLabel="Reason for discarding"
      confirmLabel="Discard item"
      busyLabel="Discarding…"
      danger
      testId="discard-dialog"
      onCancel={() => askDiscard(null)}
      onConfirm={(reason) => discard(discarding!.id, reason)}
    >
      {discarding && (
        <>
          <p className="small">
            <span className="mono">{discarding.summary}</span> will never be sent. This is recorded in the audit log.
          </p>
          {outboxProblem(discarding) && <p className="small">{outboxProblem(discarding)!.what}</p>}
          {discarding.lastError && (
            <details className="plain-details small">
              <summary>Details</summary>
              <span className="mono">{discarding.lastError}</span>
            </details>
          )}
        </>
      )}
    </ReasonDialog>
  );
}
