import { create } from 'zustand';
import type { AuditEntry, AuditVerifyResult } from '../../../shared/api/types';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';

export interface AuditFilters {
  action: string;
  actor: string;
  fromTs: string;
  toTs: string;
}

const PAGE = 200;

interface AuditState {
  entries: AuditEntry[];
  total: number;
  /** A filtered total stops at 10,000 (the host counts no further): shown as "10,000+". */
  totalCapped: boolean;
  nextBeforeSeq: number | null;
  loading: boolean;
  error: string | null;
  filters: AuditFilters;
  facets: { actions: string[]; actors: string[] };
  selected: AuditEntry | null;
  verify: AuditVerifyResult | null;
  verifying: boolean;
  progress: { checked: number; total: number } | null;
  setProgress(p: { checked: number; total: number }): void;
  refresh(): Promise<void>;
  loadMore(): Promise<void>;
  setFilters(f: Partial<AuditFilters>): void;
  select(e: AuditEntry | null): void;
  addNote(note: string, subject: string): Promise<void>;
  runVerify(): Promise<void>;
}

const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

function query(f: AuditFilters, beforeSeq?: number) {
  return {
    limit: PAGE,
    ...(beforeSeq ? { beforeSeq } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.actor ? { actor: f.actor } : {}),
    ...(f.fromTs ? { fromTs: toIso(f.fromTs) } : {}),
    ...(f.toTs ? { toTs: toIso(f.toTs) } : {}),
  };
}

export const useAudit = create<AuditState>((set, get) => ({
  entries: [],
  total: 0,
  totalCapped: false,
  nextBeforeSeq: null,
  loading: false,
  error: null,
  filters: { action: '', actor: '', fromTs: '', toTs: '' },
  facets: { actions: [], actors: [] },
  selected: null,
  verify: null,
  verifying: false,
  progress: null,
  setProgress: (progress) => set({ progress }),
  async refresh() {
    set({ loading: true });
    try {
      const [page, facets] = await Promise.all([call('audit.list', query(get().filters)), call('audit.facets', {})]);
      set({ entries: page.entries, total: page.total, totalCapped: page.totalCapped === true, nextBeforeSeq: page.nextBeforeSeq, facets, error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    } finally {
      set({ loading: false });
    }
  },
  async loadMore() {
    const { nextBeforeSeq, loading, filters } = get();
    if (!nextBeforeSeq || loading) return;
    set({ loading: true });
    try {
      const page = await call('audit.list', query(filters, nextBeforeSeq));
      set((s) => ({ entries: [...s.entries, ...page.entries], nextBeforeSeq: page.nextBeforeSeq }));
    } catch (e) {
      set({ error: errorMessage(e) });
    } finally {
      set({ loading: false });
    }
  },
  setFilters(f) {
    set((s) => ({ filters: { ...s.filters, ...f } }));
    void get().refresh();
  },
  select: (selected) => set({ selected }),
  async addNote(note, subject) {
    await call('audit.append', subject ? { note, subject } : { note });
    await get().refresh();
  },
  async runVerify() {
    set({ verifying: true, progress: null });
    try {
      set({ verify: await call('audit.verify', {}), error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    } finally {
      set({ verifying: false });
    }
  },
}));
