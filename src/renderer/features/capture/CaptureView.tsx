import { useEffect, useRef } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { useCapture } from './capture-store';
import { useApp } from '../../app-store';
import { ContractPicker } from './ContractPicker';
import { CaptureForm } from './CaptureForm';
import { DraftsList } from './DraftsList';

function CaptureResult() {
  const result = useCapture((s) => s.result);
  const go = useApp((s) => s.go);
  const { t } = useTranslation('capture');
  if (!result) return null;
  return (
    <div className="capture-result ok" role="status" data-testid="capture-result" data-record-id={result.recordId} data-outbox-id={result.outboxId}>
      <Trans t={t} i18nKey="result.saved" components={{ record: <span className="mono">{result.recordId}</span> }} />{' '}
      <button type="button" className="link" onClick={() => go('outbox')}>
        {t('result.openOutbox')}
      </button>
    </div>
  );
}

/** Capture works entirely on this device; it never waits on sync or the network. */
export function CaptureView() {
  const { t } = useTranslation('capture');
  const { loadContracts, loadDrafts, flushDraft, flushOnExit, formKey } = useCapture();
  const main = useRef<HTMLDivElement>(null);
  // A new, resumed or just-submitted form starts at its top.
  useEffect(() => {
    main.current?.scrollTo({ top: 0 });
  }, [formKey]);
  useEffect(() => {
    void loadContracts();
    void loadDrafts();
    // Leaving the view saves what is pending instead of waiting for the debounce.
    return () => void flushDraft();
  }, [loadContracts, loadDrafts, flushDraft]);
  // A reload, a closed tab or window, or a hidden page saves the pending draft at once: the 800 ms
  // debounce would otherwise lose the last edits (pagehide is the reliable one; beforeunload covers
  // Electron's window close; visibilitychange covers a mobile browser killed while in the background).
  useEffect(() => {
    const onHidden = () => {
      if (document.visibilityState === 'hidden') flushOnExit();
    };
    window.addEventListener('pagehide', flushOnExit);
    window.addEventListener('beforeunload', flushOnExit);
    document.addEventListener('visibilitychange', onHidden);
    return () => {
      window.removeEventListener('pagehide', flushOnExit);
      window.removeEventListener('beforeunload', flushOnExit);
      document.removeEventListener('visibilitychange', onHidden);
    };
  }, [flushOnExit]);
  return (
    <section aria-label={t('view.label')} className="capture">
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        <span className="muted small">{t('view.hint')}</span>
      </header>
      <ContractPicker />
      <CaptureResult />
      <div className="capture-body">
        <div className="capture-main" ref={main}>
          <CaptureForm />
        </div>
        <DraftsList />
      </div>
    </section>
  );
}
