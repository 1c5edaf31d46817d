import { ReasonDialog } from '../../ui/ReasonDialog';
import { snippet } from './memory';
import { useMemory } from './memory-store';
import { TierBadge } from './TierBadge';

/** Deleting a memory item is audited: confirm, with a reason. */
export function DeleteDialog() {
  const { deleting, askDelete, remove } = useMemory();
  return (
    <ReasonDialog
      open={deleting !== null}
      title="Delete this item?"
      reasonLabel="Reason"
      confirmLabel="Delete"
      busyLabel="Deleting…"
      danger
      testId="memory-delete-dialog"
      onCancel={() => askDelete(null)}
      onConfirm={remove}
    >
      {deleting && (
        <>
          <p className="small">
            <TierBadge tier={deleting.tier} /> <span className="mono">{deleting.id}</span>
          </p>
          <p className="small muted">“{snippet(deleting.text, 240)}”</p>
          <p className="small">The item and its vector are removed; answers that cited it keep the citation id. Your reason is recorded in the audit log.</p>
        </>
      )}
    </ReasonDialog>
  );
}
