// The admins' stale-device board: fleet summary (charts), the devices table (server-side filter,
// sort and cursor paging; the table renders only what is on screen), one device's detail with its
// sync history, and the confirmed admin actions. Every call goes through the main process, which
// signs it with this device's admin credential.
import { create, type StoreApi } from 'zustand';
import type { AdminDeviceAction, AdminDeviceListRequest } from '../../../shared/api/types';
import {
  ADMIN_DEFAULT_SORT,
  type AdminDeviceDetailResponse,
  type AdminDeviceView,
  type RiskPolicyResponse,
  type RiskSummaryResponse,
} from '../../../shared/server-api';
import type { RiskPolicy } from '../../../shared/risk';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { msg, type Message } from '../../../shared/messages';

const PAGE_SIZE = 100;
/** Rows kept in memory; past this the table asks the user to narrow the filter instead of growing. */
export const MAX_ROWS = 20_000;

type AdminQuery = Required<Pick<AdminDeviceListRequest, 'sort' | 'dir'>> & Pick<AdminDeviceListRequest, 'level' | 'q'>;
/** Worst first: the longest since the last sync at the top (same default as the server's). */
export const ADMIN_DEFAULT_QUERY: AdminQuery = { ...ADMIN_DEFAULT_SORT };

interface AdminStore {
  summary: RiskSummaryResponse | null;
  policy: RiskPolicyResponse | null;
  rows: AdminDeviceView[];
  total: number;
  nextCursor: string | null;
  query: AdminQuery;
  loading: boolean;
  error: string | null;
  detail: AdminDeviceDetailResponse | null;
  detailError: string | null;
  /** The action whose confirmation dialog is open. */
  confirming: { device: AdminDeviceView; action: AdminDeviceAction } | null;
  /** Last completed action, shown as a notice. */
  notice: Message | null;

  refresh(): Promise<void>;
  setQuery(q: Partial<AdminQuery>): Promise<void>;
  loadMore(): Promise<void>;
  open(id: string | null): Promise<void>;
  ask(c: AdminStore['confirming']): void;
  act(reason: string): Promise<void>;
  savePolicy(policy: RiskPolicy, reason: string): Promise<void>;
}

type Set = StoreApi<AdminStore>['setState'];
type Get = () => AdminStore;

// Each list load gets a number; a reply to an older query is dropped.
let generation = 0;

async function loadPage(set: Set, get: Get, reset: boolean): Promise<void> {
  const { query, nextCursor, rows, loading } = get();
  // One next-page request at a time (scroll effects can ask again before the reply lands).
  if (!reset && (loading || !nextCursor || rows.length >= MAX_ROWS)) return;
  const gen = reset ? ++generation : generation;
  set({ loading: true, ...(reset ? { error: null } : {}) });
  try {
    const page = await call('admin.devices.list', {
      ...query,
      ...(query.q ? {} : { q: undefined }),
      limit: PAGE_SIZE,
      ...(!reset && nextCursor ? { cursor: nextCursor } : {}),
    });
    if (gen !== generation) return;
    set((s) => ({ rows: reset ? page.devices : [...s.rows, ...page.devices], total: page.total, nextCursor: page.nextCursor, loading: false }));
  } catch (e) {
    if (gen === generation) set({ loading: false, error: errorMessage(e) });
  }
}

async function actOnDevice(set: Set, get: Get, replace: (d: AdminDeviceView) => void, reason: string): Promise<void> {
  const c = get().confirming;
  if (!c) return;
  const { device } = await call('admin.devices.act', { id: c.device.id, action: c.action, reason, confirm: true });
  replace(device);
  // "Bo's laptop blocked.": one sentence per action (admin:notice.<action>), in the language in use now.
  set({ confirming: null, notice: msg(`admin.notice.${c.action}`, { name: c.device.name }) });
  // Levels and counts moved: refresh the charts and the open history.
  void call('admin.summary', {}).then(
    (s) => set({ summary: s }),
    () => undefined,
  );
  if (get().detail?.device.id === device.id) await get().open(device.id);
}

export const useAdmin = create<AdminStore>((set, get) => {
  const replace = (d: AdminDeviceView) =>
    set((s) => ({
      rows: s.rows.map((r) => (r.id === d.id ? d : r)),
      detail: s.detail?.device.id === d.id ? { ...s.detail, device: d } : s.detail,
    }));

  return {
    summary: null,
    policy: null,
    rows: [],
    total: 0,
    nextCursor: null,
    query: ADMIN_DEFAULT_QUERY,
    loading: false,
    error: null,
    detail: null,
    detailError: null,
    confirming: null,
    notice: null,

    async refresh() {
      set({ error: null });
      const summary = call('admin.summary', {})
        .then((s) => set({ summary: s }))
        .catch((e: unknown) => set({ error: errorMessage(e) }));
      const policy = call('admin.policy.get', {})
        .then((p) => set({ policy: p }))
        .catch(() => undefined);
      await Promise.all([summary, policy, loadPage(set, get, true)]);
      const open = get().detail?.device.id;
      if (open) await get().open(open);
    },
    async setQuery(q) {
      set((s) => ({ query: { ...s.query, ...q } }));
      await loadPage(set, get, true);
    },
    loadMore: () => loadPage(set, get, false),
    async open(id) {
      if (!id) return set({ detail: null, detailError: null });
      try {
        set({ detail: await call('admin.devices.get', { id }), detailError: null });
      } catch (e) {
        set({ detailError: errorMessage(e) });
      }
    },
    ask: (confirming) => set({ confirming }),
    act: (reason) => actOnDevice(set, get, replace, reason),
    async savePolicy(policy, reason) {
      const p = await call('admin.policy.set', { policy, reason, confirm: true });
      set({ policy: p, notice: msg('admin.notice.policySaved') });
      await get().refresh();
    },
  };
});
