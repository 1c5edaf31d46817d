import { useEffect, useState } from 'react';
import type { AdminDeviceAction } from '../../../shared/api/types';
import { useAdmin } from './admin-store';
import { ReasonDialog } from '../../ui/ReasonDialog';

const TEXT: Record<AdminDeviceAction, { title: string; effect: string; button: string }> = {
  block: {
    title: 'Block this device?',
    effect: 'Its syncs will be refused until it is unblocked. Nothing is deleted: its data stays on the device and syncs once unblocked.',
    button: 'Block device',
  },
  unblock: { title: 'Unblock this device?', effect: 'Its next sync is accepted again.', button: 'Unblock' },
  'require-update': {
    title: 'Require an app update?',
    effect: 'The device is told at its next sync that it must update; until then it counts as high risk.',
    button: 'Require update',
  },
  'clear-update': { title: 'Clear the update requirement?', effect: 'The device is no longer told to update.', button: 'Clear requirement' },
  revoke: {
    title: 'Revoke this device’s keys?',
    effect: 'Its key stops working at once and cannot be restored: the device has to be enrolled again with a new token. Data on the device is not deleted.',
    button: 'Revoke keys',
  },
};

/** Every admin action is confirmed with a reason (audited on the server); revoking also asks for the device's name. */
export function ActionDialog() {
  const { confirming, ask, act } = useAdmin();
  const [typed, setTyped] = useState('');
  useEffect(() => setTyped(''), [confirming]);
  const t = confirming ? TEXT[confirming.action] : TEXT.block;
  const needsName = confirming?.action === 'revoke';
  return (
    <ReasonDialog
      open={confirming !== null}
      title={t.title}
      reasonLabel="Reason"
      confirmLabel={t.button}
      busyLabel="Working…"
      danger={confirming?.action === 'block' || confirming?.action === 'revoke'}
      extraOk={!needsName || typed.trim() === confirming?.device.name}
      extra={
        needsName && (
          <label>
            Type the device name ({confirming.device.name}) to confirm
            <input value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Device name" />
          </label>
        )
      }
      testId="admin-action-dialog"
      onCancel={() => ask(null)}
      onConfirm={act}
    >
      {confirming && (
        <>
          <p className="small">
            <strong>{confirming.device.name}</strong> <span className="muted">({confirming.device.user})</span>
          </p>
          <p className="small">{t.effect} The action and your reason are recorded in the server’s audit log.</p>
        </>
      )}
    </ReasonDialog>
  );
}
