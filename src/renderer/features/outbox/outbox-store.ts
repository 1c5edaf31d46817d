// Outbox and sync: the live sync status (pushed as 'sync.status' events) and the outbox items.
import { create, type StoreApi } from 'zustand';
import type { OutboxItem, OutboxState, SyncStatus } from '../../../shared/api/types';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { i18next } from '../../i18n';

export const OUTBOX_STATES: OutboxState[] = ['queued', 'acked', 'dead', 'blocked', 'discarded'];
const PAGE = 200;
const MAX_PAGE = 500;

interface OutboxStore {
  status: SyncStatus | null;
  statusError: string | null;
  items: OutboxItem[];
  counts: Record<OutboxState, number>;
  filter: OutboxState | '';
  nextBeforeId: string | null;
  loading: boolean;
  error: string | null;
  syncing: boolean;
  /** The item whose Discard confirmation is open. */
  discarding: OutboxItem | null;

  refresh(): Promise<void>;
  refreshStatus(): Promise<void>;
  refreshItems(): Promise<void>;
  loadMore(): Promise<void>;
  setFilter(f: OutboxState | ''): void;
  applyStatus(s: SyncStatus): void;
  syncNow(): Promise<void>;
  enroll(serverUrl: string, token: string): Promise<void>;
  unlock(passphrase: string): Promise<void>;
  retry(id: string): Promise<void>;
  askDiscard(item: OutboxItem | null): void;
  discard(id: string, reason: string): Promise<void>;
}

const zero = (): Record<OutboxState, number> => ({ queued: 0, acked: 0, dead: 0, blocked: 0, discarded: 0 });

type Set = StoreApi<OutboxStore>['setState'];
type Get = () => OutboxStore;

/** Reload the first page(s), keeping as many rows as are loaded now. */
async function reloadItems(set: Set, get: Get): Promise<void> {
  const { filter, items } = get();
  const limit = Math.min(MAX_PAGE, Math.max(PAGE, items.length));
  set({ loading: true });
  try {
    const page = await call('outbox.list', filter ? { state: filter, limit } : { limit });
    if (get().filter !== filter) return; // the filter changed while this was in flight
    set({
      items: page.items,
      counts: page.counts,
      nextBeforeId: page.items.length === limit ? (page.items[page.items.length - 1]?.id ?? null) : null,
      error: null,
    });
  } catch (e) {
    set({ error: errorMessage(e) });
  } finally {
    set({ loading: false });
  }
}

async function loadMoreItems(set: Set, get: Get): Promise<void> {
  const { nextBeforeId, loading, filter } = get();
  if (!nextBeforeId || loading) return;
  set({ loading: true });
  try {
    const page = await call('outbox.list', { ...(filter ? { state: filter } : {}), limit: PAGE, beforeId: nextBeforeId });
    set((s) => ({
      items: [...s.items, ...page.items],
      counts: page.counts,
      nextBeforeId: page.items.length === PAGE ? (page.items[page.items.length - 1]?.id ?? null) : null,
    }));
  } catch (e) {
    set({ error: errorMessage(e) });
  } finally {
    set({ loading: false });
  }
}

export const useOutbox = create<OutboxStore>((set, get) => {
  function replaceItem(item: OutboxItem): void {
    const { filter } = get();
    set((s) => ({ items: filter && item.state !== filter ? s.items.filter((i) => i.id !== item.id) : s.items.map((i) => (i.id === item.id ? item : i)) }));
  }

  return {
    status: null,
    statusError: null,
    items: [],
    counts: zero(),
    filter: '',
    nextBeforeId: null,
    loading: false,
    error: null,
    syncing: false,
    discarding: null,

    async refresh() {
      await Promise.all([get().refreshStatus(), get().refreshItems()]);
    },

    async refreshStatus() {
      try {
        get().applyStatus(await call('sync.status', {}));
        set({ statusError: null });
      } catch (e) {
        set({ statusError: errorMessage(e) });
      }
    },

    /** Reload the first page(s), keeping as many rows as are loaded now. */
    refreshItems: () => reloadItems(set, get),
    loadMore: () => loadMoreItems(set, get),

    setFilter(filter) {
      set({ filter, items: [], nextBeforeId: null });
      void get().refreshItems();
    },

    applyStatus(status) {
      set({ status, counts: status.counts });
    },

    async syncNow() {
      set({ syncing: true });
      try {
        get().applyStatus(await call('sync.now', {}));
        set({ statusError: null });
      } catch (e) {
        set({ statusError: errorMessage(e) });
      } finally {
        set({ syncing: false });
        void get().refreshItems();
      }
    },

    async enroll(serverUrl, token) {
      get().applyStatus(await call('sync.enroll', { serverUrl, token }));
    },

    async unlock(passphrase) {
      get().applyStatus(await call('keys.unlock', { passphrase }));
    },

    async retry(id) {
      try {
        replaceItem((await call('outbox.retry', { id })).item);
        set({ error: null });
      } catch (e) {
        set({ error: i18next.t('outbox:retryFailed', { error: errorMessage(e) }) });
      }
      void get().refresh();
    },

    askDiscard: (discarding) => set({ discarding }),

    async discard(id, reason) {
      replaceItem((await call('outbox.discard', { id, reason, confirm: true })).item);
      set({ discarding: null });
      void get().refresh();
    },
  };
});
