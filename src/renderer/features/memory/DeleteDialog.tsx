import { useTranslation } from 'react-i18next';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { snippet } from './memory';
import { useMemory } from './memory-store';
import { TierBadge } from './TierBadge';

const TEST_ID = 'memory-delete-dialog';

/** Deleting a memory item is audited: confirm, with a reason. */
export function DeleteDialog() {
  const { t } = useTranslation('memory');
  const { deleting, askDelete, remove } = useMemory();
  return (
    <ReasonDialog
      open={deleting !== null}
      title={t('delete.title')}
      reasonLabel={t('delete.reason')}
      confirmLabel={t('delete.confirm')}
      busyLabel={t('delete.busy')}
      danger
      testId={TEST_ID}
      onCancel={() => askDelete(null)}
      onConfirm={remove}
    >
      {deleting && (
        <>
          <p className="small">
            <TierBadge tier={deleting.tier} /> <span className="mono">{deleting.id}</span>
          </p>
          <p className="small muted">{t('delete.quote', { text: snippet(deleting.text, 240) })}</p>
          <p className="small">{t('delete.explain')}</p>
        </>
      )}
    </ReasonDialog>
  );
}
