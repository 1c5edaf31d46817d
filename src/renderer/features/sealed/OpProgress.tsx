import { Trans, useTranslation } from 'react-i18next';
import type { BundleOp } from './bundles-store';
import { percent } from './bundles';
import { bytes, seconds } from '../../ui/format';

/** The running install or verification, driven by 'bundles.progress': bytes, percentage, ETA, current file. */
export function OpProgress({ op }: { op: BundleOp }) {
  const { t } = useTranslation('sealed');
  const p = op.progress;
  const install = op.kind === 'install';
  const label = install ? t('progress.installLabel') : t('progress.verifyLabel');
  const known = !!p && p.bytesTotal > 0;
  const pct = p ? percent(p.bytesDone, p.bytesTotal) : 0;
  const status = p ? t(`progress.phase.${p.phase}`) : install ? t('progress.starting') : t('progress.rehashing');
  return (
    <div className="bundle-progress" data-testid={install ? 'install-progress' : 'verify-progress'} data-phase={p?.phase ?? 'starting'}>
      <p className="small" aria-live="polite">
        <Trans
          t={t}
          i18nKey={install ? 'progress.installing' : 'progress.verifying'}
          values={{ label: op.label, status }}
          components={{ strong: <strong />, mono: <span className="mono" /> }}
        />
      </p>
      {/* No value while the total is unknown: an indeterminate bar. */}
      <progress aria-label={label} max={known ? p.bytesTotal : undefined} value={known ? Math.min(p.bytesDone, p.bytesTotal) : undefined} />
      <span className="small">
        {known ? (
          <>
            {t('progress.amount', { done: bytes(p.bytesDone), total: bytes(p.bytesTotal), pct })} ·{' '}
            {p.etaSeconds === null ? t('progress.estimating') : t('progress.eta', { time: seconds(p.etaSeconds) })}
          </>
        ) : (
          <span className="muted">{install ? t('progress.readingMetadata') : t('progress.working')}</span>
        )}
      </span>
      {p?.file && (
        <span className="small muted">
          <Trans t={t} i18nKey="progress.currentFile" values={{ file: p.file }} components={{ mono: <span className="mono" data-testid="progress-file" /> }} />
        </span>
      )}
    </div>
  );
}
