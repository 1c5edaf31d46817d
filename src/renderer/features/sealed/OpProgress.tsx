import type { BundleProgress } from '../../../shared/bundles/types';
import type { BundleOp } from './bundles-store';
import { percent } from './bundles';
import { bytes, seconds } from '../../ui/format';

const PHASE: Record<BundleProgress['phase'], string> = {
  metadata: 'Checking the signed metadata',
  files: 'Hashing files',
  commit: 'Committing',
  done: 'Finishing',
};

/** The running install or verification, driven by 'bundles.progress': bytes, percentage, ETA, current file. */
export function OpProgress({ op }: { op: BundleOp }) {
  const p = op.progress;
  const install = op.kind === 'install';
  const label = install ? 'Install progress' : 'Verify progress';
  const known = !!p && p.bytesTotal > 0;
  const pct = p ? percent(p.bytesDone, p.bytesTotal) : 0;
  return (
    <div className="bundle-progress" data-testid={install ? 'install-progress' : 'verify-progress'} data-phase={p?.phase ?? 'starting'}>
      <p className="small" aria-live="polite">
        <strong>{install ? 'Installing' : 'Verifying'}</strong> <span className="mono">{op.label}</span> ·{' '}
        {p ? PHASE[p.phase] : install ? 'Starting…' : 'Re-hashing every file against its signed hash…'}
      </p>
      {/* No value while the total is unknown: an indeterminate bar. */}
      <progress aria-label={label} max={known ? p.bytesTotal : undefined} value={known ? Math.min(p.bytesDone, p.bytesTotal) : undefined} />
      <span className="small">
        {known ? (
          <>
            {bytes(p.bytesDone)} of {bytes(p.bytesTotal)} ({pct}%) · {p.etaSeconds === null ? 'estimating time left…' : `about ${seconds(p.etaSeconds)} left`}
          </>
        ) : (
          <span className="muted">{install ? 'Reading the signed metadata…' : 'Working…'}</span>
        )}
      </span>
      {p?.file && (
        <span className="small muted">
          Current file:{' '}
          <span className="mono" data-testid="progress-file">
            {p.file}
          </span>
        </span>
      )}
    </div>
  );
}
