import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { onEvent } from '../../api/client';
import { useBundles } from './bundles-store';
import { errorMessage } from '../../ui/format';

const POLL_MS = 3000;

/**
 * A small, persistent notice that a verified app update exists (checked at start and whenever a
 * bundle changes). Electron can install it after a confirmation; the web host only says it exists.
 */
export function UpdateBanner() {
  const { t } = useTranslation('sealed');
  const { update, checkUpdate, installUpdate } = useBundles();
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    void checkUpdate();
    return onEvent('bundles.changed', () => void checkUpdate());
  }, [checkUpdate]);
  // While it downloads, follow it.
  useEffect(() => {
    if (update?.state !== 'downloading') return;
    const timer = setTimeout(() => void checkUpdate(), POLL_MS);
    return () => clearTimeout(timer);
  }, [update, checkUpdate]);

  const a = update?.available;
  if (!update || !a) return null;
  let text = t('banner.available', { version: a.version });
  if (update.state === 'downloading') text = t('banner.downloading', { version: a.version });
  else if (update.state === 'ready') text = t('banner.ready', { version: a.version });
  return (
    <>
      <div className="update-banner small" role="status" aria-label={t('banner.label')} data-testid="update-banner" data-state={update.state}>
        <span>
          <strong>{text}</strong> <span className="muted">{t('banner.current', { current: update.current })}</span>
        </span>
        {update.state === 'error' && update.error && <span className="error">{update.error}</span>}
        {update.canInstall && (update.state === 'available' || update.state === 'error') && (
          <button type="button" className="small-btn" onClick={() => setConfirming(true)}>
            {t('banner.install')}
          </button>
        )}
      </div>
      <ConfirmInstall
        open={confirming}
        version={a.version}
        notes={a.releaseNotes}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          await installUpdate();
          setConfirming(false);
        }}
      />
    </>
  );
}

function ConfirmInstall(p: { open: boolean; version: string; notes: string | null; onCancel(): void; onConfirm(): Promise<void> }) {
  const { t } = useTranslation('sealed');
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) {
      setError(null);
      d.showModal();
    } else if (!p.open && d.open) d.close();
  }, [p.open]);
  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await p.onConfirm();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="update-install-title" onClose={p.onCancel} data-testid="update-install-dialog">
      {p.open && (
        <div className="stack">
          <h3 id="update-install-title">{t('confirmUpdate.title', { version: p.version })}</h3>
          <p className="small">{t('confirmUpdate.body')}</p>
          {p.notes && <p className="small muted release-notes">{p.notes}</p>}
          {error && (
            <p className="error small" role="alert">
              {error}
            </p>
          )}
          <div className="row-actions">
            <button type="button" className="secondary" onClick={p.onCancel} disabled={busy}>
              {t('confirmUpdate.cancel')}
            </button>
            <button type="button" onClick={() => void confirm()} disabled={busy} autoFocus>
              {busy ? t('confirmUpdate.busy') : t('confirmUpdate.confirm')}
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}
