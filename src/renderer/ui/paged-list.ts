// One store for every paged list (cards and runs, this device's or the tenant's): filters, keyset
// pages loaded one at a time, the sync freshness a page carries, and a selected row. What a list
// fetches is its `fetch` function; everything else is shared.
import { create, useStore, type StoreApi, type UseBoundStore } from 'zustand';
import { errorMessage } from './format';

/** A page as every list sees it: rows, the cursor of the next page (null: no more), sync freshness. */
export interface Page<T> {
  items: T[];
  next: string | null;
  /** the last pull (tenant lists; null: never pulled, or not a synced list) */
  asOf: string | null;
}

export interface PagedListOptions<T, F> {
  filters: F;
  fetch(filters: F, limit: number, cursor: string | null): Promise<Page<T>>;
  keyOf(item: T): string;
  pageSize: number;
  /** A reload asks for as many rows as are loaded, up to this many (absent: one page). */
  maxReload?: number;
  /** No more pages once this many rows are loaded. */
  maxRows?: number;
  /** Keep the selected row selected across reloads (else the first row is selected). */
  keepSelection?: boolean;
  /** New filters empty the list while the first page loads. */
  clearOnFilter?: boolean;
}

export interface PagedList<T, F> {
  filters: F;
  items: T[];
  next: string | null;
  asOf: string | null;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  selectedIndex: number;

  /** Reloads the first rows, keeping the selection as the list says. */
  refresh(): Promise<void>;
  setFilters(f: Partial<F>): Promise<void>;
  loadMore(): Promise<void>;
  select(index: number): void;
  move(delta: number): void;
  /** Replaces the row with this key, or the rows `key` picks (a reply that carries them), without a reload. */
  update(key: string | ((item: T) => boolean), fn: (item: T) => T): void;
}

export type PagedListStore<T, F> = UseBoundStore<StoreApi<PagedList<T, F>>>;

type Get<T, F> = () => PagedList<T, F>;
type Set<T, F> = StoreApi<PagedList<T, F>>['setState'];

/** Index of `key` in `items` after a reload, else the first row (or -1 when empty). */
export function keepIndex<T>(items: T[], key: string | null, keyOf: (t: T) => string): number {
  if (key !== null) {
    const i = items.findIndex((t) => keyOf(t) === key);
    if (i >= 0) return i;
  }
  return items.length ? 0 : -1;
}

function pager<T, F>(o: PagedListOptions<T, F>, set: Set<T, F>, get: Get<T, F>) {
  let generation = 0;
  return async function page(reset: boolean): Promise<void> {
    const { filters, next, items, loading, selectedIndex } = get();
    // A next page is asked for by the list's scroll and by keyboard moves: one request at a time.
    if (!reset && (loading || !next || items.length >= (o.maxRows ?? Infinity))) return;
    const gen = reset ? ++generation : generation;
    const selectedKey = items[selectedIndex] ? o.keyOf(items[selectedIndex]) : null;
    const limit = reset && o.maxReload ? Math.min(o.maxReload, Math.max(o.pageSize, items.length)) : o.pageSize;
    set({ loading: true, ...(reset ? { error: null } : {}) });
    try {
      const res = await o.fetch(filters, limit, reset ? null : next);
      if (gen !== generation) return;
      set((s) => ({
        items: reset ? res.items : [...s.items, ...res.items],
        next: res.next,
        asOf: res.asOf,
        loading: false,
        loaded: true,
        ...(reset ? { selectedIndex: o.keepSelection ? keepIndex(res.items, selectedKey, o.keyOf) : res.items.length ? 0 : -1 } : {}),
      }));
    } catch (e) {
      if (gen === generation) set({ loading: false, loaded: true, error: errorMessage(e) });
    }
  };
}

export function createPagedList<T, F>(o: PagedListOptions<T, F>): PagedListStore<T, F> {
  return create<PagedList<T, F>>((set, get) => {
    const page = pager(o, set, get);
    return {
      filters: o.filters,
      items: [],
      next: null,
      asOf: null,
      loaded: false,
      loading: false,
      error: null,
      selectedIndex: -1,
      refresh: () => page(true),
      async setFilters(f) {
        // New filters: a new list (the selection need not survive).
        set((s) => ({ filters: { ...s.filters, ...f }, ...(o.clearOnFilter ? { items: [], selectedIndex: -1, next: null } : {}) }));
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
      update(key, fn) {
        const picks = typeof key === 'string' ? (t: T) => o.keyOf(t) === key : key;
        set((s) => ({ items: s.items.map((t) => (picks(t) ? fn(t) : t)) }));
      },
    };
  });
}

const whole = <S>(s: S): S => s;

/** A paged list's state in a component: the whole of it, or what `pick` picks. */
export function usePagedList<T, F>(store: PagedListStore<T, F>): PagedList<T, F>;
export function usePagedList<T, F, U>(store: PagedListStore<T, F>, pick: (s: PagedList<T, F>) => U): U;
export function usePagedList<T, F, U>(store: PagedListStore<T, F>, pick?: (s: PagedList<T, F>) => U): U | PagedList<T, F> {
  return useStore(store, (pick ?? whole) as (s: PagedList<T, F>) => U | PagedList<T, F>);
}
