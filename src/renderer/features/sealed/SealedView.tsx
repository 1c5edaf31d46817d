import { useEffect } from 'react';
import { onEvent } from '../../api/client';
import { useBundles } from './bundles-store';
import { bytes, count, dateTime } from '../../ui/format';
import { RootCard } from './RootCard';
import { BundlesTable } from './BundlesTable';
import { InstallOutcome, InstallPanel } from './InstallPanel';
import { UpdateCard } from './UpdateCard';
import { OpProgress } from './OpProgress';
import { FailureAlert } from './FailureAlert';
import { ActivateDialog } from './ActivateDialog';

const REFRESH_MS = 300;

/** Sealed state: the trusted root, every installed bundle version, installs, re-verification, rollback, updates. */
export function SealedView() {
  const { refresh, loadAvailable, checkUpdate, onProgress, report, loading, error, op, verify, verifyAll, verifyFailure, notice } = useBundles();
  useEffect(() => {
    void refresh();
    void loadAvailable();
    void checkUpdate();
    // A verify-all changes many versions at once: re-read the report at most every 300 ms.
    let t: ReturnType<typeof setTimeout> | null = null;
    const offChanged = onEvent('bundles.changed', () => {
      t ??= setTimeout(() => {
        t = null;
        void refresh();
      }, REFRESH_MS);
    });
    const offProgress = onEvent('bundles.progress', onProgress);
    return () => {
      offChanged();
      offProgress();
      if (t) clearTimeout(t);
    };
  }, [refresh, loadAvailable, checkUpdate, onProgress]);

  // Expiry is judged by the device's highest-seen time, never by an earlier clock.
  const now = Math.max(Date.now(), report ? Date.parse(report.referenceTime) : 0);
  const names = report ? new Set(report.bundles.map((b) => b.name)).size : 0;
  return (
    <section aria-label="Sealed state" className="sealed" data-testid="sealed-view">
      <header className="view-head">
        <h2>Sealed state</h2>
        {report && (
          <span className="muted">
            {report.bundles.length} version{report.bundles.length === 1 ? '' : 's'} of {names} bundle{names === 1 ? '' : 's'}
          </span>
        )}
        <button type="button" onClick={() => void verify()} disabled={op !== null}>
          {op?.kind === 'verify' ? 'Verifying…' : 'Verify all now'}
        </button>
        <button type="button" className="secondary" onClick={() => void refresh()} disabled={loading}>
          Refresh
        </button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="ok small" role="status" data-testid="sealed-notice">
          {notice}
        </p>
      )}
      {op && <OpProgress op={op} />}
      {verifyAll && (
        <p className={`small ${verifyAll.refused ? 'error' : 'ok'}`} role="status" data-testid="verify-all-result" data-refused={verifyAll.refused}>
          Verified {verifyAll.versions} version{verifyAll.versions === 1 ? '' : 's'}: {count(verifyAll.files, 'file')}, {bytes(verifyAll.bytes)} in{' '}
          {verifyAll.durationMs.toLocaleString()} ms ({dateTime(verifyAll.at)}).{' '}
          {verifyAll.refused ? `${verifyAll.refused} refused and quarantined: see the rows below.` : 'Every file matched.'}
        </p>
      )}
      {verifyFailure?.id === null && <FailureAlert title="Verification failed:" failure={verifyFailure.failure} testId="verify-all-failure" />}
      <InstallOutcome />
      <div className="cards sealed-cards">
        {report ? <RootCard report={report} now={now} /> : !error && <p className="muted">Loading the sealed state…</p>}
        <InstallPanel />
        <UpdateCard />
      </div>
      {report && <BundlesTable report={report} now={now} />}
      <ActivateDialog />
    </section>
  );
}
