import type { ReactNode } from 'react';
import { ROLES, type SealedStateReport } from '../../../shared/bundles/types';
import { count, dateTime, relativeTime } from '../../ui/format';

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** When something happens relative to a reference instant, and when exactly. */
export function When({ iso, now }: { iso: string; now: number }) {
  return (
    <time dateTime={iso} title={iso}>
      {relativeTime(iso, now)} <span className="muted small">({dateTime(iso)})</span>
    </time>
  );
}

/** The trusted root (pinned, or rotated to), the device's reference time and the last startup check. */
export function RootCard({ report, now }: { report: SealedStateReport; now: number }) {
  const { root, lastStartupCheck: check } = report;
  const expired = Date.parse(root.expires) <= now;
  return (
    <article className="card" aria-label="Trusted root" data-testid="trusted-root">
      <header className="card-head">
        <strong>Trusted root</strong>
        <span className="badge badge-version" data-testid="root-version">
          v{root.version}
        </span>
      </header>
      <dl className="figures">
        <Figure label="Version">{root.version}</Figure>
        <Figure label="Expires">
          <span className={expired ? 'error' : undefined}>
            {expired && 'expired · '}
            <When iso={root.expires} now={now} />
          </span>
        </Figure>
        <Figure label="Thresholds">
          <span data-testid="root-thresholds">{ROLES.map((r) => `${r} ${root.thresholds[r] ?? '—'}`).join(' · ')}</span>
        </Figure>
        <Figure label="Keys">{root.keyCount}</Figure>
        <Figure label="Reference time">
          <span title="The highest time this device has seen; expiry is judged by it, so turning the clock back does not help.">
            {dateTime(report.referenceTime)}
          </span>
        </Figure>
        <Figure label="Full re-verify">every {report.reverifyEveryHours} h</Figure>
        <Figure label="Startup check">
          {check ? (
            <span data-testid="startup-check">
              {dateTime(check.at)} · {count(check.files, 'file')} in {check.durationMs.toLocaleString()} ms ·{' '}
              <span className={check.mismatches ? 'error' : 'ok'}>
                {check.mismatches} mismatch{check.mismatches === 1 ? '' : 'es'}
              </span>
            </span>
          ) : (
            <span className="muted">not run yet</span>
          )}
        </Figure>
      </dl>
    </article>
  );
}
