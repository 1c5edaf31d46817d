// Runs, one paged list per scope: this device's (runs.list, live through 'runs.changed') or every
// device's of the tenant (runs.list with scope 'tenant': device, user, the approval a run waits on, a decision sent from
// here, sync freshness), newest first.
import type { RunSummary } from '../../../shared/workflow/views';
import type { TeamRunQuery, TeamRunView } from '../../../shared/team/views';
import { call } from '../../api/client';
import { createPagedList, usePagedList, type Page, type PagedList, type PagedListStore } from '../../ui/paged-list';
import { cleanQuery, inScope, type Scope } from '../team/team';

/** A run row: the run, and for the tenant list who recorded it and where its approval stands. */
export interface RunRow {
  run: RunSummary;
  team: TeamRunView | null;
}

/** The tenant list's filters (this device's list has none). */
export type RunFilters = Pick<TeamRunQuery, 'status' | 'device'>;

export const runRowKey = (r: RunRow): string => (r.team ? `${r.team.device}/${r.run.id}` : r.run.id);

/** Scope → request: this device's runs or the tenant's, both through runs.list. */
async function fetchRuns(scope: Scope, f: RunFilters, limit: number, cursor: string | null): Promise<Page<RunRow>> {
  if (scope === 'tenant') {
    const res = inScope(await call('runs.list', { scope, ...cleanQuery(f), limit, ...(cursor ? { before: cursor } : {}) }), 'tenant');
    return { items: res.items.map((t) => ({ run: t.run, team: t })), next: res.nextBefore, asOf: res.asOf };
  }
  const res = inScope(await call('runs.list', { limit, ...(cursor ? { beforeId: cursor } : {}) }), 'device');
  return { items: res.runs.map((run) => ({ run, team: null })), next: res.nextBeforeId, asOf: null };
}

const runLists: Record<Scope, PagedListStore<RunRow, RunFilters>> = {
  device: createPagedList<RunRow, RunFilters>({ filters: {}, fetch: (f, l, c) => fetchRuns('device', f, l, c), keyOf: runRowKey, pageSize: 200 }),
  tenant: createPagedList<RunRow, RunFilters>({
    filters: {},
    fetch: (f, l, c) => fetchRuns('tenant', f, l, c),
    keyOf: runRowKey,
    pageSize: 100,
    maxReload: 500,
    clearOnFilter: true,
  }),
};

/** The run list of a scope (state and actions outside React). */
export const runList = (scope: Scope): PagedListStore<RunRow, RunFilters> => runLists[scope];

/** The run list of a scope, as a hook. */
export function useRunList(scope: Scope): PagedList<RunRow, RunFilters>;
export function useRunList<U>(scope: Scope, pick: (s: PagedList<RunRow, RunFilters>) => U): U;
export function useRunList<U>(scope: Scope, pick?: (s: PagedList<RunRow, RunFilters>) => U): U | PagedList<RunRow, RunFilters> {
  return pick ? usePagedList(runLists[scope], pick) : usePagedList(runLists[scope]);
}
