import { useEffect, useState } from 'react';
import { RUN_STATUSES, type RunStatus } from '../../../shared/workflow/types';
import { runList, runRowKey, useRunList, type RunRow, type RunFilters } from './run-list-store';
import { useRunDetail } from './run-detail-store';
import { dateTime } from '../../ui/format';
import { shortTime, type Scope } from '../team/team';
import { useNow } from '../team/hooks';
import { DecisionChip } from '../team/DecisionChip';
import { LaneBadge } from '../cards/LaneBadge';
import { RunStatusBadge } from './RunStatusBadge';
import { RunReach } from './RunReach';
import { Who } from '../../ui/Who';

/**
 * Runs, newest first, with "Older runs" for the next page. The tenant list (every device's runs) adds
 * filters, the device and user, the approval a run waits on and a decision sent from here.
 */
export function RunList({ scope }: { scope: Scope }) {
  const { items, next, loadMore, loading, loaded } = useRunList(scope);
  const tenant = scope === 'tenant';
  const now = useNow(60_000);
  const localId = useRunDetail((s) => s.local?.run.id ?? null);
  const remote = useRunDetail((s) => s.remote);
  const isOpen = (r: RunRow) => (r.team && !r.team.local ? remote?.device === r.team.device && remote.runId === r.run.id : localId === r.run.id && !remote);
  return (
    <div className="stack">
      {tenant && <RunFiltersBar />}
      {tenant && items.length === 0 && (
        <p className="muted small">{loading || !loaded ? 'Loading…' : 'No runs here yet: runs of every device appear as they sync.'}</p>
      )}
      {!tenant && items.length === 0 && (
        <p className="muted small empty-state" data-testid="runs-empty">
          {loading
            ? 'Loading…'
            : 'No runs yet. Choose a workflow under Start run: a run checks a report against your organisation’s rules and records each decision.'}
        </p>
      )}
      <ul className="run-list" aria-label="Run list" data-testid={tenant ? 'team-run-list' : 'run-list'}>
        {items.map((r) => (
          <li key={runRowKey(r)}>
            <RunRowButton row={r} selected={isOpen(r)} now={now} />
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" className="secondary" disabled={tenant && loading} onClick={() => void loadMore()}>
          {tenant && loading ? 'Loading…' : 'Older runs'}
        </button>
      )}
    </div>
  );
}

const DEBOUNCE_MS = 300;

/** The tenant list's filters: status, device. */
function RunFiltersBar() {
  const filters = useRunList('tenant', (s) => s.filters);
  const setFilters = (f: Partial<RunFilters>) => void runList('tenant').getState().setFilters(f);
  const [device, setDevice] = useState(filters.device ?? '');
  useEffect(() => {
    if ((filters.device ?? '') === device.trim()) return;
    const t = setTimeout(
      () =>
        void runList('tenant')
          .getState()
          .setFilters({ device: device.trim() || undefined }),
      DEBOUNCE_MS,
    );
    return () => clearTimeout(t);
  }, [device, filters.device]);
  return (
    <div className="filters" role="search" aria-label="Filter team runs">
      <label>
        Status
        <select
          aria-label="Filter runs by status"
          value={filters.status ?? ''}
          onChange={(e) => setFilters({ status: (e.target.value || undefined) as RunStatus | undefined })}
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
  );
}

function RunRowButton({ row, selected, now }: { row: RunRow; selected: boolean; now: number }) {
  const { run: r, team: t } = row;
  return (
    <button
      type="button"
      className={`run-row${t ? ' team-run-row' : ''}${selected ? ' selected' : ''}`}
      data-testid={t ? 'team-run-row' : undefined}
      data-id={r.id}
      data-device={t?.device}
      data-local={t?.local}
      data-status={r.status}
      data-awaiting={t?.awaitingCard ?? undefined}
      aria-current={t ? selected || undefined : undefined}
      onClick={() => void useRunDetail.getState().openRow(row)}
    >
      {t ? <TenantRunCells row={t} now={now} /> : <DeviceRunCells run={r} />}
    </button>
  );
}

function DeviceRunCells({ run: r }: { run: RunRow['run'] }) {
  return (
    <>
      <span>
        <strong>{r.title}</strong>
        <br />
        <span className="muted small">{dateTime(r.createdAt)}</span>
        <RunReach status={r.status} compact />
      </span>
      <span className="run-progress" aria-label={`${r.progress.done} of ${r.progress.total} steps`}>
        <span className="count-track">
          <span className="count-bar" ref={(el) => el?.style.setProperty('width', `${(r.progress.done / Math.max(1, r.progress.total)) * 100}%`)} />
        </span>
        <span className="small muted">
          {r.progress.done}/{r.progress.total}
        </span>
      </span>
      <RunStatusBadge status={r.status} />
    </>
  );
}

function TenantRunCells({ row: t, now }: { row: NonNullable<RunRow['team']>; now: number }) {
  const r = t.run;
  return (
    <>
      <span className="team-run-main">
        <strong>{r.title}</strong>
        <br />
        <span className="muted small" title={dateTime(r.createdAt)}>
          {shortTime(r.createdAt, now)} · {r.progress.done}/{r.progress.total} steps
        </span>
        {t.local && <RunReach status={r.status} compact />} {r.lane && <LaneBadge lane={r.lane} />}
      </span>
      <span className="cell-device small">
        <Who device={t.device} tagSelf />
        <br />
        <span className="muted">{t.user}</span>
      </span>
      <span className="team-run-state">
        <RunStatusBadge status={r.status} />
        {t.awaitingCard && (
          <span className="badge badge-warn" data-testid="team-awaiting">
            needs approval
          </span>
        )}
        <DecisionChip decision={t.decision} compact />
      </span>
    </>
  );
}
