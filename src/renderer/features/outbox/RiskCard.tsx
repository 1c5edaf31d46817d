import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { GovernanceStatus, SyncStatus } from '../../../shared/api/types';
import { call } from '../../api/client';
import { StatusBadge } from '../../ui/StatusBadge';
import { dateTime, errorMessage } from '../../ui/format';
import { useMessageText } from '../../ui/message';

const badge = { low: 'ok', medium: 'warn', high: 'error', critical: 'error' } as const;

/** This device's risk (the same calculator the server uses), what it allows, and whether a submit is possible. */
export function RiskCard({ st }: { st: SyncStatus }) {
  const { t } = useTranslation('outbox');
  const text = useMessageText();
  const [gov, setGov] = useState<GovernanceStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Re-evaluated whenever the sync state changes (a sync, a new capture, a dead letter).
  useEffect(() => {
    call('governance.status', {})
      .then((g) => {
        setGov(g);
        setError(null);
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [st]);
  if (error)
    return (
      <article className="card" aria-label={t('risk.label')}>
        <p className="error">{error}</p>
      </article>
    );
  if (!gov) return null;
  const summary = gov.summary.map(text).join(' ');
  const reasons = gov.risk.reasons.map(text);
  return (
    <article className="card" aria-label={t('risk.label')} data-testid="device-risk" data-level={gov.risk.level}>
      <header className="card-head">
        <strong>{t('risk.title')}</strong>
        <StatusBadge status={badge[gov.risk.level]} label={t(`risk.level.${gov.risk.level}`)} />
      </header>
      {/* The summary and the allowed actions come from the same function the admin board uses (shared/risk/device-state). */}
      {summary !== reasons.join(' ') && (
        <p className="small muted" data-testid="device-state">
          {summary}
        </p>
      )}
      {reasons.length > 0 && (
        <ul className="small">
          {reasons.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      )}
      <p className="small" data-testid="allowed-now">
        {gov.allowedSentence.map(text).join(' ')}
      </p>
      <p className="small" data-testid="submit-freshness">
        {gov.freshForSubmit ? t('risk.fresh') : t('risk.stale', { hours: gov.submitFreshnessHours })}
      </p>
      {gov.clockRolledBack && <p className="small error">{t('risk.clock', { time: dateTime(gov.now) })}</p>}
    </article>
  );
}
