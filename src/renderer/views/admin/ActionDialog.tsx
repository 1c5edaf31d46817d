import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { AdminDeviceAction } from '../../../shared/api/types';
import { useAdmin } from '../../store/admin-store';
import { errorMessage } from '../../lib/format';

const MIN_REASON = 3;

const TEXT: Record<AdminDeviceAction, { title: string; effect: string; button: string }> = {
  block: {
    title: 'Block this device?',
    effect: 'Its syncs will be refused until it is unblocked. Nothing is deleted: its data stays on the device and syncs once unblocked.',
    button: 'Block device',
  },
  unblock: { title: 'Unblock this device?', effect: 'Its next sync is accepted again.', button: 'Unblock' },
  'require-update': {
    title: 'Require an app update?',
    effect: 'The device is told at its next sync that it must update; until then it counts as critical.',
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
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (confirming && !d.open) {
      setReason('');
      setTyped('');
      setError(null);
      d.showModal();
    } else if (!confirming && d.open) d.close();
  }, [confirming]);

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await act(reason.trim());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  const t = confirming ? TEXT[confirming.action] : null;
  const needsName = confirming?.action === 'revoke';
  const ok = reason.trim().length >= MIN_REASON && (!needsName || typed.trim() === confirming?.device.name);
  const danger = confirming?.action === 'block' || confirming?.action === 'revoke';
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="admin-action-title" onClose={() => ask(null)} data-testid="admin-action-dialog">
      {confirming && t && (
        <form className="stack" onSubmit={(e) => void confirm(e)}>
          <h3 id="admin-action-title">{t.title}</h3>
          <p className="small">
            <strong>{confirming.device.name}</strong> <span className="muted">({confirming.device.user})</span>
          </p>
          <p className="small">{t.effect} The action and your reason are recorded in the server’s audit log.</p>
          <label>
            Reason
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} minLength={MIN_REASON} maxLength={500} rows={3} required autoFocus />
          </label>
          {needsName && (
            <label>
              Type the device name ({confirming.device.name}) to confirm
              <input value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Device name" />
            </label>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="row-actions">
            <button type="button" className="secondary" onClick={() => ask(null)} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className={danger ? 'danger' : ''} disabled={!ok || busy}>
              {busy ? 'Working…' : t.button}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
