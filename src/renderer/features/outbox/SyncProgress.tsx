import type { SyncStatus } from '../../../shared/api/types';
import { bytes, count } from '../../ui/format';

/** The running sync: items and bytes sent so far. */
export function SyncProgress({ progress }: { progress: NonNullable<SyncStatus['progress']> }) {
  const { itemsDone, itemsTotal, bytesDone, bytesTotal } = progress;
  return (
    <div className="sync-progress" data-testid="sync-progress" aria-live="polite">
      <progress max={Math.max(1, itemsTotal)} value={Math.min(itemsDone, Math.max(1, itemsTotal))} aria-label="Sync progress" />
      <span className="small">
        {itemsDone.toLocaleString()} / {count(itemsTotal, 'item')} · {bytes(bytesDone)} of {bytes(bytesTotal)}
      </span>
    </div>
  );
}
