import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, type SealedStateReport } from '../../../shared/bundles/types';
import { dateTime, relativeTime } from '../../ui/format';

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
  const { t } = useTranslation('sealed');
  const { root, lastStartupCheck: check } = report;
  const expired = Date.parse(root.expires) <= now;
  return (
    <article className="card" aria-label={t('root.title')} data-testid="trusted-root">
      <header className="card-head">
        <strong>{t('root.title')}</strong>
        <span className="badge badge-version" data-testid="root-version">
          {t('root.versionBadge', { version: root.version })}
        </span>
      </header>
      <dl className="figures">
        <Figure label={t('root.version')}>{root.version}</Figure>
        <Figure label={t('root.expires')}>
          <span className={expired ? 'error' : undefined}>
            {expired && `${t('root.expired')} · `}
            <When iso={root.expires} now={now} />
          </span>
        </Figure>
        <Figure label={t('root.thresholds')}>
          <span data-testid="root-thresholds">{ROLES.map((r) => `${r} ${root.thresholds[r] ?? '—'}`).join(' · ')}</span>
        </Figure>
        <Figure label={t('root.keys')}>{root.keyCount}</Figure>
        <Figure label={t('root.referenceTime')}>
          <span title={t('root.referenceTimeHelp')}>{dateTime(report.referenceTime)}</span>
        </Figure>
        <Figure label={t('root.reverify')}>{t('root.reverifyEvery', { hours: report.reverifyEveryHours })}</Figure>
        <Figure label={t('root.startupCheck')}>
          {check ? (
            <span data-testid="startup-check">
              {dateTime(check.at)} · {t('root.checkedFiles', { files: check.files, ms: check.durationMs })} ·{' '}
              <span className={check.mismatches ? 'error' : 'ok'}>{t('root.mismatches', { n: check.mismatches })}</span>
            </span>
          ) : (
            <span className="muted">{t('root.notRun')}</span>
          )}
        </Figure>
      </dl>
    </article>
  );
}
