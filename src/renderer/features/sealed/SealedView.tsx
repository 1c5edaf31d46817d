import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useMessageText } from '../../ui/message';
import { onEvent } from '../../api/client';
import { useBundles } from './bundles-store';
import { bytes, dateTime } from '../../ui/format';
import { RootCard } from './RootCard';
import { BundlesTable } from './BundlesTable';
import { InstallOutcome, InstallPanel } from './InstallPanel';
import { UpdateCard } from './UpdateCard';
import { OpProgress } from './OpProgress';
import { FailureAlert } from './FailureAlert';
import { ActivateDialog } from './ActivateDialog';

const REFRESH_MS = 300;
const FAILURE_TEST_ID = 'verify-all-failure';

/** Sealed state: the trusted root, every installed bundle version, installs, re-verification, rollback, updates. */
export function SealedView() {
  const { t } = useTranslation('sealed');
  const text = useMessageText();
  const { refresh, loadAvailable, checkUpdate, onProgress, report, loading, error, op, verify, verifyAll, verifyFailure, notice } = useBundles();
  useEffect(() => {
    void refresh();
    void loadAvailable();
    void checkUpdate();
    // A verify-all changes many versions at once: re-read the report at most every 300 ms.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const offChanged = onEvent('bundles.changed', () => {
      timer ??= setTimeout(() => {
        timer = null;
        void refresh();
      }, REFRESH_MS);
    });
    const offProgress = onEvent('bundles.progress', onProgress);
    return () => {
      offChanged();
      offProgress();
      if (timer) clearTimeout(timer);
    };
  }, [refresh, loadAvailable, checkUpdate, onProgress]);

  // Expiry is judged by the device's highest-seen time, never by an earlier clock.
  const now = Math.max(Date.now(), report ? Date.parse(report.referenceTime) : 0);
  const names = report ? new Set(report.bundles.map((b) => b.name)).size : 0;
  return (
    <section aria-label={t('view.title')} className="sealed" data-testid="sealed-view">
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        {report && <span className="muted">{t('view.summary', { versions: report.bundles.length, bundles: names })}</span>}
        <button type="button" onClick={() => void verify()} disabled={op !== null}>
          {op?.kind === 'verify' ? t('view.verifying') : t('view.verifyAll')}
        </button>
        <button type="button" className="secondary" onClick={() => void refresh()} disabled={loading}>
          {t('view.refresh')}
        </button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="ok small" role="status" data-testid="sealed-notice">
          {text(notice)}
        </p>
      )}
      {op && <OpProgress op={op} />}
      {verifyAll && (
        <p className={`small ${verifyAll.refused ? 'error' : 'ok'}`} role="status" data-testid="verify-all-result" data-refused={verifyAll.refused}>
          {t('view.verifiedAll', {
            versions: verifyAll.versions,
            files: verifyAll.files,
            size: bytes(verifyAll.bytes),
            ms: verifyAll.durationMs,
            at: dateTime(verifyAll.at),
          })}{' '}
          {verifyAll.refused ? t('view.refused', { n: verifyAll.refused }) : t('view.allMatched')}
        </p>
      )}
      {verifyFailure?.id === null && <FailureAlert title={t('view.verifyFailed')} failure={verifyFailure.failure} testId={FAILURE_TEST_ID} />}
      <InstallOutcome />
      <div className="cards sealed-cards">
        {report ? <RootCard report={report} now={now} /> : !error && <p className="muted">{t('view.loading')}</p>}
        <InstallPanel />
        <UpdateCard />
      </div>
      {report && <BundlesTable report={report} now={now} />}
      <ActivateDialog />
    </section>
  );
}
