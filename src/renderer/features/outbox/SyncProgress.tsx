import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../../../shared/api/types';
import { bytes } from '../../ui/format';

/** The running sync: items and bytes sent so far. */
export function SyncProgress({ progress }: { progress: NonNullable<SyncStatus['progress']> }) {
  const { t } = useTranslation('outbox');
  const { itemsDone, itemsTotal, bytesDone, bytesTotal } = progress;
  return (
    <div className="sync-progress" data-testid="sync-progress" aria-live="polite">
      <progress max={Math.max(1, itemsTotal)} value={Math.min(itemsDone, Math.max(1, itemsTotal))} aria-label={t('progress.label')} />
      <span className="small">{t('progress.text', { done: itemsDone, total: itemsTotal, bytesDone: bytes(bytesDone), bytesTotal: bytes(bytesTotal) })}</span>
    </div>
  );
}
