// Team sync (issue 9): this device's certificate, tenant keys and pull state (team.status), pulling
// now, skipping a stopped item (audited), refusals and peers; and which scope the cards and runs views
// show. Approving or rejecting a run of another device goes through the one decision store (runs).
import { create } from 'zustand';
import type { TeamPeer, TeamRefusal, TeamStatus } from '../../../shared/team/views';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import type { Scope } from './team';

export type ScopedView = 'cards' | 'runs';

interface TeamStore {
  status: TeamStatus | null;
  statusError: string | null;
  /** team.status answered (or failed) at least once: the default scope is known. */
  checked: boolean;
  pulling: boolean;
  pullError: string | null;
  /** What the user picked per view; null: the default (all devices when enrolled). */
  scopes: Record<ScopedView, Scope | null>;
  refusals: TeamRefusal[];
  refusalsError: string | null;
  peers: TeamPeer[];
  peersError: string | null;
  /** The Skip confirmation is open. */
  skipping: boolean;

  refreshStatus(): Promise<void>;
  pull(): Promise<void>;
  askSkip(open: boolean): void;
  skip(reason: string): Promise<void>;
  refreshRefusals(): Promise<void>;
  refreshPeers(): Promise<void>;
  setScope(view: ScopedView, scope: Scope): void;
}

/** The scope a view shows now; null until team.status has answered once. */
export const scopeOf = (s: Pick<TeamStore, 'scopes' | 'checked' | 'status'>, view: ScopedView): Scope | null =>
  s.scopes[view] ?? (s.checked ? (s.status?.enrolled ? 'tenant' : 'device') : null);

const REFUSALS = 200;

export const useTeam = create<TeamStore>((set, get) => ({
  status: null,
  statusError: null,
  checked: false,
  pulling: false,
  pullError: null,
  scopes: { cards: null, runs: null },
  refusals: [],
  refusalsError: null,
  peers: [],
  peersError: null,
  skipping: false,

  async refreshStatus() {
    try {
      set({ status: await call('team.status', {}), statusError: null, checked: true });
    } catch (e) {
      set({ statusError: errorMessage(e), checked: true });
    }
  },
  async pull() {
    if (get().pulling) return;
    set({ pulling: true, pullError: null });
    try {
      set({ status: await call('team.pull', {}), statusError: null });
    } catch (e) {
      set({ pullError: errorMessage(e) });
    } finally {
      set({ pulling: false });
    }
  },
  askSkip: (skipping) => set({ skipping }),
  async skip(reason) {
    const stopped = get().status?.pull.stopped;
    if (!stopped) return set({ skipping: false });
    const status = await call('team.skip', { seq: stopped.seq, reason, confirm: true });
    set({ status, skipping: false });
    void get().refreshRefusals();
  },
  async refreshRefusals() {
    try {
      set({ refusals: (await call('team.refusals', { limit: REFUSALS })).items, refusalsError: null });
    } catch (e) {
      set({ refusalsError: errorMessage(e) });
    }
  },
  async refreshPeers() {
    try {
      set({ peers: (await call('team.peers', {})).items, peersError: null });
    } catch (e) {
      set({ peersError: errorMessage(e) });
    }
  },
  setScope: (view, scope) => set((s) => ({ scopes: { ...s.scopes, [view]: scope } })),
}));
