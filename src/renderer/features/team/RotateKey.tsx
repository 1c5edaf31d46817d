import { useState } from 'react';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { useTeam } from './team-store';

/**
 * Admins: a new tenant key version for new items, wrapped for active devices only (after a
 * revocation). Laid out as an action: what it does and when to use it, then a confirmation that
 * names the version it creates, then the outcome.
 */
export function RotateKey({ current }: { current: number | null }) {
  const [state, setState] = useState<{ confirming: boolean; busy: boolean; message: string | null; error: string | null }>({
    confirming: false,
    busy: false,
    message: null,
    error: null,
  });
  const refresh = useTeam((t) => t.refreshStatus);
  const next = current === null ? null : current + 1;
  const rotate = async () => {
    setState({ confirming: true, busy: true, message: null, error: null });
    try {
      const r = await call('sync.rotateKey', {});
      setState({ confirming: false, busy: false, message: `Tenant key v${r.version} created and sent to the active devices.`, error: null });
      void refresh();
    } catch (e) {
      setState({ confirming: true, busy: false, message: null, error: errorMessage(e) });
    }
  };
  return (
    <section className="action-block stack" aria-label="Rotate tenant key" data-testid="team-rotate">
      <strong>Rotate tenant key</strong>
      <p className="small muted">
        Use this after revoking a device. Items sent from now on are sealed with a new key version that only active devices receive; the revoked device can
        still read what it already had, nothing newer.
      </p>
      {!state.confirming ? (
        <div className="row-actions">
          <button type="button" className="secondary" onClick={() => setState({ confirming: true, busy: false, message: null, error: null })}>
            Rotate tenant key…
          </button>
          {state.message && (
            <span className="small ok" role="status">
              {state.message}
            </span>
          )}
        </div>
      ) : (
        <div className="confirm-block stack" role="group" aria-label="Confirm key rotation">
          <p className="small">
            Create tenant key {next !== null ? `v${next}` : 'a new version'} and send it to every active device? Older versions stay, so older items remain
            readable.
          </p>
          <div className="row-actions">
            <button type="button" className="danger" disabled={state.busy} aria-busy={state.busy} onClick={() => void rotate()}>
              {state.busy ? 'Rotating…' : 'Rotate now'}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={state.busy}
              onClick={() => setState({ confirming: false, busy: false, message: null, error: null })}
            >
              Cancel
            </button>
          </div>
          {state.error && (
            <p className="small error" role="alert">
              {state.error}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
