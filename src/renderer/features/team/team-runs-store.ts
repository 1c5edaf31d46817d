// Runs of every device of the tenant (team.runs), newest first with keyset pages and sync freshness,
// and one run recorded on another device opened with its cards (team.run). Runs recorded here open
// in the local run detail (runs-store) instead, with their full step timeline.
import { create } from 'zustand';
import type { TeamCardView, TeamRunQuery, TeamRunView } from '../../../shared/team/views';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { cleanQuery } from './team';
import { useRuns } from '../runs/runs-store';

const PAGE = 100;
const MAX_RELOAD = 500;

export type TeamRunFilters = Pick<TeamRunQuery, 'status' | 'device'>;

interface TeamRunsStore {
  filters: TeamRunFilters;
  items: TeamRunView[];
  nextBefore: string | null;
  asOf: string | null;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  /** The remote run open in the detail pane. */
  open: { device: string; runId: string } | null;
  detail: { run: TeamRunView; cards: TeamCardView[] } | null;
  detailError: string | null;

  refresh(): Promise<void>;
  setFilters(f: Partial<TeamRunFilters>): Promise<void>;
  loadMore(): Promise<void>;
  /** Opens a row: a run of this device in the local detail, another device's through team.run. */
  openRow(row: TeamRunView): Promise<void>;
  openRemote(device: string, runId: string): Promise<void>;
  refreshOpen(): Promise<void>;
  close(): void;
}

export const useTeamRuns = create<TeamRunsStore>((set, get) => {
  let generation = 0;
  async function page(reset: boolean): Promise<void> {
    const { filters, nextBefore, items, loading } = get();
    if (!reset && (loading || !nextBefore)) return;
    const gen = reset ? ++generation : generation;
    const limit = reset ? Math.min(MAX_RELOAD, Math.max(PAGE, items.length)) : PAGE;
    set({ loading: true, ...(reset ? { error: null } : {}) });
    try {
      const res = await call('team.runs', { ...cleanQuery(filters), limit, ...(!reset && nextBefore ? { before: nextBefore } : {}) });
      if (gen !== generation) return;
      set((s) => ({ items: reset ? res.items : [...s.items, ...res.items], nextBefore: res.nextBefore, asOf: res.asOf, loading: false, loaded: true }));
    } catch (e) {
      if (gen === generation) set({ loading: false, loaded: true, error: errorMessage(e) });
    }
  }
  let opening = 0;
  return {
    filters: {},
    items: [],
    nextBefore: null,
    asOf: null,
    loaded: false,
    loading: false,
    error: null,
    open: null,
    detail: null,
    detailError: null,
    refresh: () => page(true),
    async setFilters(f) {
      set((s) => ({ filters: { ...s.filters, ...f }, items: [], nextBefore: null }));
      await page(true);
    },
    loadMore: () => page(false),
    async openRow(row) {
      if (row.local) {
        set({ open: null, detail: null, detailError: null });
        await useRuns.getState().open(row.run.id);
      } else await get().openRemote(row.device, row.run.id);
    },
    async openRemote(device, runId) {
      const same = get().open?.device === device && get().open?.runId === runId;
      set({ open: { device, runId }, detailError: null, ...(same ? {} : { detail: null }) });
      void useRuns.getState().open(null);
      const n = ++opening;
      try {
        const detail = await call('team.run', { device, runId });
        if (n === opening && get().open?.device === device && get().open?.runId === runId) set({ detail });
      } catch (e) {
        if (n === opening) set({ detailError: errorMessage(e) });
      }
    },
    async refreshOpen() {
      const o = get().open;
      if (o) await get().openRemote(o.device, o.runId);
    },
    close: () => set({ open: null, detail: null, detailError: null }),
  };
});

// A run opened in the local detail (a row of this device, or one just started) takes the detail pane.
useRuns.subscribe((s, prev) => {
  if (s.selected && !prev.selected && useTeamRuns.getState().open) useTeamRuns.getState().close();
});
