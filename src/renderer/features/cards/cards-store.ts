// Decision cards for reviewers: server-side filters and sort with keyset pages (the list renders only
// what is on screen), the selected card, keyboard selection, and the per-lane chart.
import { create } from 'zustand';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { CardListQuery, CardStats } from '../../../shared/workflow/views';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';

export const CARD_PAGE = 200;
const MAX_ROWS = 100_000;

export type CardFilters = Omit<CardListQuery, 'limit' | 'cursor'>;

interface CardsStore {
  filters: CardFilters;
  cards: DecisionCard[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
  selectedIndex: number;
  stats: CardStats | null;

  refresh(): Promise<void>;
  setFilters(f: Partial<CardFilters>): Promise<void>;
  loadMore(): Promise<void>;
  select(index: number): void;
  move(delta: number): void;
  replace(card: DecisionCard): void;
}

const clean = (f: CardFilters): CardFilters => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== '')) as CardFilters;

export const useCards = create<CardsStore>((set, get) => {
  let generation = 0;
  async function page(reset: boolean): Promise<void> {
    const { filters, nextCursor, cards, loading } = get();
    // A next page is asked for by the list's scroll and by keyboard moves: one request at a time.
    if (!reset && (loading || !nextCursor || cards.length >= MAX_ROWS)) return;
    const gen = reset ? ++generation : generation;
    set({ loading: true, ...(reset ? { error: null } : {}) });
    try {
      const res = await call('cards.list', { ...clean(filters), limit: CARD_PAGE, ...(!reset && nextCursor ? { cursor: nextCursor } : {}) });
      if (gen !== generation) return;
      set((s) => ({
        cards: reset ? res.cards : [...s.cards, ...res.cards],
        nextCursor: res.nextCursor,
        loading: false,
        ...(reset ? { selectedIndex: res.cards.length ? 0 : -1 } : {}),
      }));
    } catch (e) {
      if (gen === generation) set({ loading: false, error: errorMessage(e) });
    }
  }
  return {
    filters: { sort: 'time', dir: 'desc' },
    cards: [],
    nextCursor: null,
    loading: false,
    error: null,
    selectedIndex: -1,
    stats: null,
    async refresh() {
      await Promise.all([
        page(true),
        call('cards.stats', { days: 30 }).then(
          (stats) => set({ stats }),
          () => undefined,
        ),
      ]);
    },
    async setFilters(f) {
      set((s) => ({ filters: { ...s.filters, ...f } }));
      await page(true);
    },
    loadMore: () => page(false),
    select: (selectedIndex) => set({ selectedIndex }),
    move(delta) {
      const { selectedIndex, cards } = get();
      const next = Math.max(0, Math.min(cards.length - 1, selectedIndex + delta));
      set({ selectedIndex: next });
      if (next >= cards.length - 20) void page(false);
    },
    replace: (card) => set((s) => ({ cards: s.cards.map((c) => (c.id === card.id ? card : c)) })),
  };
});
