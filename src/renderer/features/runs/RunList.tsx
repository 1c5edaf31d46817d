import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
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
import { useWorkflowWords } from './use-workflow-words';

/**
 * Runs, newest first, with "Older runs" for the next page. The tenant list (every device's runs) adds
 * filters, the device and user, the approval a run waits on and a decision sent from here.
 */
export function RunList({ scope }: { scope: Scope }) {
  const { t } = useTranslation('runs');
  const { items, next, loadMore, loading, loaded } = useRunList(scope);
  const tenant = scope === 'tenant';
  const now = useNow(60_000);
  const localId = useRunDetail((s) => s.local?.run.id ?? null);
  const remote = useRunDetail((s) => s.remote);
  const isOpen = (r: RunRow) => (r.team && !r.team.local ? remote?.device === r.team.device && remote.runId === r.run.id : localId === r.run.id && !remote);
  return (
    <div className="stack">
      {tenant && <RunFiltersBar />}
      {tenant && items.length === 0 && <p className="muted small">{loading || !loaded ? t('view.loading') : t('list.tenantEmpty')}</p>}
      {!tenant && items.length === 0 && (
        <p className="muted small empty-state" data-testid="runs-empty">
          {loading ? t('view.loading') : t('list.deviceEmpty')}
        </p>
      )}
      <ul className="run-list" aria-label={t('list.label')} data-testid={tenant ? 'team-run-list' : 'run-list'}>
        {items.map((r) => (
          <li key={runRowKey(r)}>
            <RunRowButton row={r} selected={isOpen(r)} now={now} />
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" className="secondary" disabled={tenant && loading} onClick={() => void loadMore()}>
          {tenant && loading ? t('view.loading') : t('list.older')}
        </button>
      )}
    </div>
  );
}

const DEBOUNCE_MS = 300;

/** The tenant list's filters: status, device. */
function RunFiltersBar() {
  const { t } = useTranslation('runs');
  const filters = useRunList('tenant', (s) => s.filters);
  const setFilters = (f: Partial<RunFilters>) => void runList('tenant').getState().setFilters(f);
  const [device, setDevice] = useState(filters.device ?? '');
  useEffect(() => {
    if ((filters.device ?? '') === device.trim()) return;
    const timer = setTimeout(
      () =>
        void runList('tenant')
          .getState()
          .setFilters({ device: device.trim() || undefined }),
      DEBOUNCE_MS,
    );
    return () => clearTimeout(timer);
  }, [device, filters.device]);
  return (
    <div className="filters" role="search" aria-label={t('filters.label')}>
      <label>
        {t('filters.status')}
        <select
          aria-label={t('filters.statusLabel')}
          value={filters.status ?? ''}
          onChange={(e) => setFilters({ status: (e.target.value || undefined) as RunStatus | undefined })}
        >
          <option value="">{t('filters.all')}</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('filters.device')}
        <input
          aria-label={t('filters.deviceLabel')}
          value={device}
          maxLength={64}
          onChange={(e) => setDevice(e.target.value)}
          placeholder={t('filters.devicePlaceholder')}
        />
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
  const { t } = useTranslation('runs');
  const { runTitle } = useWorkflowWords();
  return (
    <>
      <span>
        <strong>{runTitle(r)}</strong>
        <br />
        <span className="muted small">{dateTime(r.createdAt)}</span>
        <RunReach status={r.status} compact />
      </span>
      <span className="run-progress" aria-label={t('list.progress', { done: r.progress.done, total: r.progress.total })}>
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

function TenantRunCells({ row: tr, now }: { row: NonNullable<RunRow['team']>; now: number }) {
  const { t } = useTranslation('runs');
  const { runTitle } = useWorkflowWords();
  const r = tr.run;
  return (
    <>
      <span className="team-run-main">
        <strong>{runTitle(r)}</strong>
        <br />
        <span className="muted small" title={dateTime(r.createdAt)}>
          {t('list.tenantProgress', { when: shortTime(r.createdAt, now), done: r.progress.done, total: r.progress.total })}
        </span>
        {tr.local && <RunReach status={r.status} compact />} {r.lane && <LaneBadge lane={r.lane} />}
      </span>
      <span className="cell-device small">
        <Who device={tr.device} tagSelf />
        <br />
        <span className="muted">{tr.user}</span>
      </span>
      <span className="team-run-state">
        <RunStatusBadge status={r.status} />
        {tr.awaitingCard && (
          <span className="badge badge-warn" data-testid="team-awaiting">
            {t('list.needsApproval')}
          </span>
        )}
        <DecisionChip decision={tr.decision} compact />
      </span>
    </>
  );
}
