import { useEffect, useState } from 'react';
import type { GovernanceStatus, SyncStatus } from '../../../shared/api/types';
import { call } from '../../api/client';
import { StatusBadge } from '../../ui/StatusBadge';

const badge = { low: 'ok', medium: 'warn', high: 'error', critical: 'error' } as const;

/** This device's risk (the same calculator the server uses), what it allows, and whether a submit is possible. */
export function RiskCard({ st }: { st: SyncStatus }) {
  const [gov, setGov] = useState<GovernanceStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Re-evaluated whenever the sync state changes (a sync, a new capture, a dead letter).
  useEffect(() => {
    call('governance.status', {})
      .then((g) => {
        setGov(g);
        setError(null);
      })
      .catch((e: unknown) => setError((e as Error).message));
  }, [st]);
  if (error)
    return (
      <article className="card" aria-label="Device risk">
        <p className="error">{error}</p>
      </article>
    );
  if (!gov) return null;
  return (
    <article className="card" aria-label="Device risk" data-testid="device-risk" data-level={gov.risk.level}>
      <header className="card-head">
        <strong>Device risk</strong>
        <StatusBadge status={badge[gov.risk.level]} label={gov.risk.level} />
      </header>
      {/* The summary and the allowed actions come from the same function the admin board uses (shared/risk/device-state). */}
      {gov.summary !== gov.risk.reasons.join(' ') && (
        <p className="small muted" data-testid="device-state">
          {gov.summary}
        </p>
      )}
      {gov.risk.reasons.length > 0 && (
        <ul className="small">
          {gov.risk.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      <p className="small" data-testid="allowed-now">
        {gov.allowedSentence}
      </p>
      <p className="small" data-testid="submit-freshness">
        {gov.freshForSubmit ? 'Submissions allowed (synced within the last 24 h).' : `Submissions need a sync within the last ${gov.submitFreshnessHours} h.`}
      </p>
      {gov.clockRolledBack && (
        <p className="small error">The system clock is earlier than a time already seen; Maestro uses {new Date(gov.now).toLocaleString()}.</p>
      )}
    </article>
  );
}
