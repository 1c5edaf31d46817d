import { useEffect, useState } from 'react';
import { RUN_STATUSES, type RunStatus } from '../../../shared/workflow/types';
import { useTeamRuns } from './team-runs-store';
import { useRuns } from '../runs/runs-store';
import { dateTime } from '../../ui/format';
import { shortTime } from './team';
import { LaneBadge } from '../cards/LaneBadge';
import { RunStatusBadge } from '../runs/RunStatusBadge';
import { DecisionChip } from './DecisionChip';
import { useNow } from './hooks';

/** Runs of every device of the tenant, newest first: device, user, status, lane, the approval they wait on, a decision sent from here. */
export function TeamRunList() {
  const { items, nextBefore, loadMore, loading, loaded, openRow, open, filters, setFilters } = useTeamRuns();
  const localOpen = useRuns((s) => s.selected?.run.id ?? null);
  const now = useNow(60_000);
  const [device, setDevice] = useState(filters.device ?? '');
  useEffect(() => {
    if ((filters.device ?? '') === device.trim()) return;
    const t = setTimeout(() => void setFilters({ device: device.trim() || undefined }), 300);
    return () => clearTimeout(t);
  }, [device, filters.device, setFilters]);
  return (
    <div className="stack">
      <div className="filters" role="search" aria-label="Filter team runs">
        <label>
          Status
          <select
            aria-label="Filter runs by status"
            value={filters.status ?? ''}
            onChange={(e) => void setFilters({ status: (e.target.value || undefined) as RunStatus | undefined })}
          >
            <option value="">All</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Device
          <input aria-label="Filter runs by device" value={device} maxLength={64} onChange={(e) => setDevice(e.target.value)} placeholder="device id" />
        </label>
      </div>
      {items.length === 0 && <p className="muted small">{loading || !loaded ? 'Loading…' : 'No runs match.'}</p>}
      <ul className="run-list" aria-label="Run list" data-testid="team-run-list">
        {items.map((r) => {
          const selected = r.local ? localOpen === r.run.id && !open : open?.device === r.device && open.runId === r.run.id;
          return (
            <li key={`${r.device}/${r.run.id}`}>
              <button
                type="button"
                className={`run-row team-run-row${selected ? ' selected' : ''}`}
                data-testid="team-run-row"
                data-id={r.run.id}
                data-device={r.device}
                data-local={r.local}
                data-status={r.run.status}
                data-awaiting={r.awaitingCard ?? undefined}
                aria-current={selected || undefined}
                onClick={() => void openRow(r)}
              >
                <span className="team-run-main">
                  <strong>{r.run.title}</strong>
                  <br />
                  <span className="muted small" title={dateTime(r.run.createdAt)}>
                    {shortTime(r.run.createdAt, now)} · {r.run.progress.done}/{r.run.progress.total} steps
                  </span>{' '}
                  {r.run.lane && <LaneBadge lane={r.run.lane} />}
                </span>
                <span className="cell-device small">
                  <span className="mono">{r.device}</span>
                  {r.local && <span className="tag">this device</span>}
                  <br />
                  <span className="muted">{r.user}</span>
                </span>
                <span className="team-run-state">
                  <RunStatusBadge status={r.run.status} />
                  {r.awaitingCard && (
                    <span className="badge badge-warn" data-testid="team-awaiting">
                      needs approval
                    </span>
                  )}
                  <DecisionChip decision={r.decision} compact />
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {nextBefore && (
        <button type="button" className="secondary" disabled={loading} onClick={() => void loadMore()}>
          Older runs
        </button>
      )}
    </div>
  );
}
