// Tiered memory and local models: hybrid search (debounced as the query is typed; tier, locale and
// date filters), the selected item, adding, pinning to core, deleting (with a reason), per-tier
// stats, and the text / embedding model slots (live through 'models.status' events) with reload.
import { create, type StoreApi } from 'zustand';
import type { Events } from '../../../shared/api/types';
import type { MemoryHit, MemoryItem, MemoryStats, MemoryTier, ModelStatus } from '../../../shared/memory/types';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { msg, type Message } from '../../../shared/messages';
import { EMPTY_FILTERS, buildQuery, type MemoryFilters } from './memory';

/** How long typing pauses before the query is sent. */
const SEARCH_DEBOUNCE_MS = 300;

interface AddInput {
  tier: Exclude<MemoryTier, 'working'>;
  text: string;
  locale: string;
  sourceRefs: string[];
}

/** The last search that answered: what it asked and how. */
interface SearchInfo {
  text: string;
  embeddingModel: string;
  durationMs: number;
}

interface MemoryStore {
  filters: MemoryFilters;
  hits: MemoryHit[];
  searched: SearchInfo | null;
  searching: boolean;
  searchError: string | null;
  /** Why no search is sent for the form as it is (nothing typed, a bad locale or range). */
  problem: 'empty' | 'locale' | 'range' | null;

  /** The item open in the detail panel (read again with memory.get when picked). */
  selected: MemoryItem | null;
  detailError: string | null;
  pinning: boolean;
  /** The item whose "Delete…" confirmation is open. */
  deleting: MemoryItem | null;
  /** The last action's outcome, as a message code: shown in the language in use when it is read. */
  notice: Message | null;
  actionError: string | null;

  adding: boolean;
  addError: string | null;

  stats: MemoryStats | null;
  statsError: string | null;

  models: ModelStatus | null;
  modelsError: string | null;
  reloading: boolean;

  /** Stats, models and (when a query is typed) the search again. */
  refresh(): Promise<void>;
  /** Changes the form; a changed query text is sent after a pause, any other filter at once. */
  setFilters(f: Partial<MemoryFilters>): void;
  search(): Promise<void>;
  select(id: string | null): Promise<void>;
  add(input: AddInput): Promise<MemoryItem | null>;
  pin(id: string): Promise<void>;
  askDelete(item: MemoryItem | null): void;
  /** Deletes the item of the open confirmation; a thrown error is shown by the dialog. */
  remove(reason: string): Promise<void>;
  loadStats(): Promise<void>;
  loadModels(): Promise<void>;
  onModelStatus(s: ModelStatus): void;
  reloadModels(): Promise<void>;
  onChanged(e: Events['memory.changed']): void;
  clearNotice(): void;
}

/** Changes that take the open item away: their notice (memory:notice.gone.*). */
const REMOVED: Partial<Record<Events['memory.changed']['change'], true>> = {
  deleted: true,
  evicted: true,
  compacted: true,
};

type Set = StoreApi<MemoryStore>['setState'];
type Get = () => MemoryStore;

// Replies to older searches or detail reads are dropped.
let searchGen = 0;
let selectGen = 0;
let typing: ReturnType<typeof setTimeout> | null = null;
let changed: ReturnType<typeof setTimeout> | null = null;

const cancelTyping = () => {
  if (typing) clearTimeout(typing);
  typing = null;
};

const INITIAL = {
  filters: EMPTY_FILTERS,
  hits: [],
  searched: null,
  searching: false,
  searchError: null,
  problem: 'empty',
  selected: null,
  detailError: null,
  pinning: false,
  deleting: null,
  notice: null,
  actionError: null,
  adding: false,
  addError: null,
  stats: null,
  statsError: null,
  models: null,
  modelsError: null,
  reloading: false,
} satisfies Partial<MemoryStore>;

function searchActions(set: Set, get: Get): Pick<MemoryStore, 'refresh' | 'setFilters' | 'search' | 'select'> {
  return {
    async refresh() {
      await Promise.all([get().loadStats(), get().loadModels(), get().filters.text.trim() ? get().search() : Promise.resolve()]);
    },

    setFilters(f) {
      const before = get().filters;
      const filters = { ...before, ...f };
      set({ filters });
      cancelTyping();
      const onlyText = Object.keys(f).every((k) => k === 'text');
      if (onlyText && filters.text !== before.text) {
        typing = setTimeout(() => {
          typing = null;
          void get().search();
        }, SEARCH_DEBOUNCE_MS);
      } else void get().search();
    },

    async search() {
      cancelTyping();
      const gen = ++searchGen;
      const built = buildQuery(get().filters);
      if ('problem' in built) {
        set({ problem: built.problem, hits: [], searched: null, searching: false, searchError: null });
        return;
      }
      set({ problem: null, searching: true });
      try {
        const res = await call('memory.search', built.query);
        if (gen !== searchGen) return;
        set({ hits: res.hits, searched: { text: built.query.text, embeddingModel: res.embeddingModel, durationMs: res.durationMs }, searchError: null });
      } catch (e) {
        if (gen === searchGen) set({ searchError: errorMessage(e) });
      } finally {
        if (gen === searchGen) set({ searching: false });
      }
    },

    async select(id) {
      const gen = ++selectGen;
      if (!id) return set({ selected: null, detailError: null, actionError: null });
      // Show what the result already holds at once, then the stored item as it is now.
      const hit = get().hits.find((h) => h.item.id === id);
      set({ selected: hit?.item ?? (get().selected?.id === id ? get().selected : null), detailError: null, actionError: null });
      try {
        const { item } = await call('memory.get', { id });
        if (gen !== selectGen) return;
        set((s) => ({ hits: s.hits.map((h) => (h.item.id === item.id ? { ...h, item } : h)), selected: item }));
      } catch (e) {
        if (gen === selectGen) set({ detailError: errorMessage(e) });
      }
    },
  };
}

function itemActions(set: Set, get: Get): Pick<MemoryStore, 'add' | 'pin' | 'askDelete' | 'remove'> {
  /** Replaces an item in the results and the detail panel after a pin. */
  const replace = (item: MemoryItem) =>
    set((s) => ({
      hits: s.hits.map((h) => (h.item.id === item.id ? { ...h, item } : h)),
      selected: s.selected?.id === item.id ? item : s.selected,
    }));
  return {
    async add(input) {
      set({ adding: true, addError: null, notice: null });
      try {
        const { item } = await call('memory.add', {
          tier: input.tier,
          text: input.text,
          locale: input.locale,
          ...(input.sourceRefs.length ? { sourceRefs: input.sourceRefs } : {}),
        });
        set({ notice: msg('memory.notice.added', { tier: item.tier }) });
        void get().loadStats();
        if (get().filters.text.trim()) void get().search();
        return item;
      } catch (e) {
        set({ addError: errorMessage(e) });
        return null;
      } finally {
        set({ adding: false });
      }
    },

    async pin(id) {
      set({ pinning: true, actionError: null, notice: null });
      try {
        const { item } = await call('memory.pin', { id });
        replace(item);
        set({ notice: msg('memory.notice.pinned') });
        void get().loadStats();
      } catch (e) {
        set({ actionError: errorMessage(e) });
      } finally {
        set({ pinning: false });
      }
    },

    askDelete: (deleting) => set({ deleting }),

    async remove(reason) {
      const item = get().deleting;
      if (!item) return;
      await call('memory.delete', { id: item.id, reason, confirm: true });
      set((s) => ({
        deleting: null,
        hits: s.hits.filter((h) => h.item.id !== item.id),
        selected: s.selected?.id === item.id ? null : s.selected,
        notice: msg('memory.notice.deleted'),
        actionError: null,
      }));
      void get().loadStats();
    },
  };
}

function statusActions(set: Set, get: Get): Pick<MemoryStore, 'loadStats' | 'loadModels' | 'onModelStatus' | 'reloadModels' | 'onChanged' | 'clearNotice'> {
  return {
    async loadStats() {
      try {
        set({ stats: await call('memory.stats', {}), statsError: null });
      } catch (e) {
        set({ statsError: errorMessage(e) });
      }
    },

    async loadModels() {
      try {
        set({ models: await call('models.status', {}), modelsError: null });
      } catch (e) {
        set({ modelsError: errorMessage(e) });
      }
    },

    onModelStatus(models) {
      const prev = get().models;
      set({ models, modelsError: null });
      // The tier stats name the embedding model that serves memory: read them again when that slot
      // changes (a model finished loading after the view opened, or fell back), not on every
      // progress event.
      const slot = (m: ModelStatus | null) => (m ? `${m.embedding.arm}:${m.embedding.id}:${m.embedding.state}` : '');
      if (slot(prev) !== slot(models)) void get().loadStats();
    },

    async reloadModels() {
      if (get().reloading) return;
      set({ reloading: true, modelsError: null });
      try {
        set({ models: await call('models.reload', {}) });
      } catch (e) {
        set({ modelsError: errorMessage(e) });
      } finally {
        set({ reloading: false });
      }
    },

    onChanged(e) {
      const sel = get().selected;
      if (sel?.id === e.id) {
        if (REMOVED[e.change]) set({ selected: null, notice: msg(`memory.notice.gone.${e.change}`) });
        else void get().select(e.id);
      }
      // Compaction and eviction change many items at once: read again at most every 300 ms.
      changed ??= setTimeout(() => {
        changed = null;
        void get().loadStats();
        if (get().filters.text.trim()) void get().search();
      }, SEARCH_DEBOUNCE_MS);
    },

    clearNotice: () => set({ notice: null }),
  };
}

export const useMemory = create<MemoryStore>((set, get) => ({
  ...INITIAL,
  ...searchActions(set, get),
  ...itemActions(set, get),
  ...statusActions(set, get),
}));
