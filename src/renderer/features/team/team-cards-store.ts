// Decision cards of every device of the tenant (team.cards): filters, newest-first keyset pages, the
// sync freshness of the last pull, and the selected card (kept across reloads as pulls arrive).
import { create } from 'zustand';
import type { TeamCardQuery, TeamCardView } from '../../../shared/team/views';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { cardKey, cleanQuery, keepIndex } from './team';

export const TEAM_CARD_PAGE = 200;
/** The most rows a reload asks for at once (the channel's limit). */
const MAX_RELOAD = 500;
const MAX_ROWS = 100_000;

export type TeamCardFilters = Pick<TeamCardQuery, 'status' | 'lane' | 'device' | 'q' | 'runId'>;

interface TeamCardsStore {
  filters: TeamCardFilters;
  items: TeamCardView[];
  nextBefore: string | null;
  /** the last pull (null: never pulled) */
  asOf: string | null;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  selectedIndex: number;

  /** Reloads the first rows (as many as are loaded, up to 500), keeping the selected card selected. */
  refresh(): Promise<void>;
  setFilters(f: Partial<TeamCardFilters>): Promise<void>;
  loadMore(): Promise<void>;
  select(index: number): void;
  move(delta: number): void;
}

export const useTeamCards = create<TeamCardsStore>((set, get) => {
  let generation = 0;
  async function page(reset: boolean): Promise<void> {
    const { filters, nextBefore, items, loading, selectedIndex } = get();
    if (!reset && (loading || !nextBefore || items.length >= MAX_ROWS)) return;
    const gen = reset ? ++generation : generation;
    const selectedKey = items[selectedIndex] ? cardKey(items[selectedIndex]) : null;
    const limit = reset ? Math.min(MAX_RELOAD, Math.max(TEAM_CARD_PAGE, items.length)) : TEAM_CARD_PAGE;
    set({ loading: true, ...(reset ? { error: null } : {}) });
    try {
      const res = await call('team.cards', { ...cleanQuery(filters), limit, ...(!reset && nextBefore ? { before: nextBefore } : {}) });
      if (gen !== generation) return;
      set((s) => ({
        items: reset ? res.items : [...s.items, ...res.items],
        nextBefore: res.nextBefore,
        asOf: res.asOf,
        loading: false,
        loaded: true,
        ...(reset ? { selectedIndex: keepIndex(res.items, selectedKey, cardKey) } : {}),
      }));
    } catch (e) {
      if (gen === generation) set({ loading: false, loaded: true, error: errorMessage(e) });
    }
  }
  return {
    filters: {},
    items: [],
    nextBefore: null,
    asOf: null,
    loaded: false,
    loading: false,
    error: null,
    selectedIndex: -1,
    refresh: () => page(true),
    async setFilters(f) {
      // New filters: a new list (the selection need not survive).
      set((s) => ({ filters: { ...s.filters, ...f }, items: [], selectedIndex: -1, nextBefore: null }));
      await page(true);
    },
    loadMore: () => page(false),
    select: (selectedIndex) => set({ selectedIndex }),
    move(delta) {
      const { selectedIndex, items } = get();
      if (!items.length) return;
      const next = Math.max(0, Math.min(items.length - 1, selectedIndex + delta));
      set({ selectedIndex: next });
      if (next >= items.length - 20) void page(false);
    },
  };
});
