import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAdmin } from './admin-store';
import { ReasonDialog } from '../../ui/ReasonDialog';

const TEST_ID = 'admin-action-dialog';

/** Every admin action is confirmed with a reason (audited on the server); revoking also asks for the device's name. */
export function ActionDialog() {
  const { t } = useTranslation('admin');
  const { confirming, ask, act } = useAdmin();
  const [typed, setTyped] = useState('');
  useEffect(() => setTyped(''), [confirming]);
  // Each action's title, effect and button: dialog.<action>.title / .effect / .button.
  const action = confirming?.action ?? 'block';
  const needsName = confirming?.action === 'revoke';
  return (
    <ReasonDialog
      open={confirming !== null}
      title={t(`dialog.${action}.title`)}
      reasonLabel={t('dialog.reason')}
      confirmLabel={t(`dialog.${action}.button`)}
      busyLabel={t('dialog.working')}
      danger={confirming?.action === 'block' || confirming?.action === 'revoke'}
      extraOk={!needsName || typed.trim() === confirming?.device.name}
      extra={
        needsName && (
          <label>
            {t('dialog.typeName', { name: confirming.device.name })}
            <input value={typed} onChange={(e) => setTyped(e.target.value)} aria-label={t('dialog.deviceName')} />
          </label>
        )
      }
      testId={TEST_ID}
      onCancel={() => ask(null)}
      onConfirm={act}
    >
      {confirming && (
        <>
          <p className="small">
            <strong>{confirming.device.name}</strong> <span className="muted">({confirming.device.user})</span>
          </p>
          <p className="small">{t('dialog.effectRecorded', { effect: t(`dialog.${action}.effect`) })}</p>
        </>
      )}
    </ReasonDialog>
  );
}
