import { useEffect, useRef } from 'react';
import { useCapture } from './capture-store';
import { useApp } from '../../app-store';
import { ContractPicker } from './ContractPicker';
import { CaptureForm } from './CaptureForm';
import { DraftsList } from './DraftsList';

function CaptureResult() {
  const result = useCapture((s) => s.result);
  const go = useApp((s) => s.go);
  if (!result) return null;
  return (
    <div className="capture-result ok" role="status" data-testid="capture-result" data-record-id={result.recordId} data-outbox-id={result.outboxId}>
      Saved to outbox: record <span className="mono">{result.recordId}</span>. It is sent when this device next syncs.{' '}
      <button type="button" className="link" onClick={() => go('outbox')}>
        Open outbox
      </button>
    </div>
  );
}

/** Capture works entirely on this device; it never waits on sync or the network. */
export function CaptureView() {
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
    <section aria-label="Capture" className="capture">
      <header className="view-head">
        <h2>Capture</h2>
        <span className="muted small">Saved on this device first; sync sends it later.</span>
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
