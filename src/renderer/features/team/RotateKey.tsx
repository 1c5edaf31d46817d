import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { useTeam } from './team-store';

/**
 * Admins: a new tenant key version for new items, wrapped for active devices only (after a
 * revocation). Laid out as an action: what it does and when to use it, then a confirmation that
 * names the version it creates, then the outcome.
 */
export function RotateKey({ current }: { current: number | null }) {
  const { t } = useTranslation('team');
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
      setState({ confirming: false, busy: false, message: t('rotate.done', { version: r.version }), error: null });
      void refresh();
    } catch (e) {
      setState({ confirming: true, busy: false, message: null, error: errorMessage(e) });
    }
  };
  return (
    <section className="action-block stack" aria-label={t('rotate.title')} data-testid="team-rotate">
      <strong>{t('rotate.title')}</strong>
      <p className="small muted">{t('rotate.help')}</p>
      {!state.confirming ? (
        <div className="row-actions">
          <button type="button" className="secondary" onClick={() => setState({ confirming: true, busy: false, message: null, error: null })}>
            {t('rotate.open')}
          </button>
          {state.message && (
            <span className="small ok" role="status">
              {state.message}
            </span>
          )}
        </div>
      ) : (
        <div className="confirm-block stack" role="group" aria-label={t('rotate.confirmLabel')}>
          <p className="small">{next !== null ? t('rotate.confirmNext', { version: next }) : t('rotate.confirmNew')}</p>
          <div className="row-actions">
            <button type="button" className="danger" disabled={state.busy} aria-busy={state.busy} onClick={() => void rotate()}>
              {state.busy ? t('rotate.rotating') : t('rotate.now')}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={state.busy}
              onClick={() => setState({ confirming: false, busy: false, message: null, error: null })}
            >
              {t('cancel')}
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
