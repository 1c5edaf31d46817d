import { create } from 'zustand';
import type { Profile, Role, SystemInfo } from '../shared/api/types';
import { call } from './api/client';
import { ApiError } from '../shared/errors';
import { errorMessage } from './ui/format';

export type View = 'capture' | 'runs' | 'cards' | 'memory' | 'outbox' | 'team' | 'audit' | 'health' | 'sealed' | 'settings' | 'admin';

interface AppState {
  status: 'loading' | 'ready' | 'error' | 'locked';
  error: string | null;
  /** While locked: whether the person chooses a passphrase (a new vault) or types theirs. */
  lockedVault: 'new' | 'existing';
  profile: Profile | null;
  info: SystemInfo | null;
  view: View;
  /** Roles of this device's enrollment (none until enrolled); 'admin' shows the devices board, any role the Team view. */
  roles: Role[];
  setRoles(roles: Role[]): void;
  load(): Promise<void>;
  setup(name: string, tenant: string): Promise<void>;
  go(v: View): void;
}

export const useApp = create<AppState>((set) => ({
  status: 'loading',
  error: null,
  lockedVault: 'existing',
  profile: null,
  info: null,
  view: 'capture',
  roles: [],
  setRoles: (roles) =>
    set((s) => ({ roles, view: (s.view === 'admin' && !roles.includes('admin')) || (s.view === 'team' && roles.length === 0) ? 'capture' : s.view })),
  async load() {
    try {
      const [{ profile }, info, sync] = await Promise.all([call('profile.get', {}), call('system.info', {}), call('sync.status', {}).catch(() => null)]);
      set({ profile, info, status: 'ready', error: null, roles: sync?.enrolled?.roles ?? [] });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'LOCKED') {
        const vault = (e.details as { vault?: string } | undefined)?.vault === 'new' ? 'new' : 'existing';
        return set({ status: 'locked', lockedVault: vault, error: null });
      }
      set({ status: 'error', error: errorMessage(e) });
    }
  },
  async setup(name, tenant) {
    const { profile } = await call('profile.setup', { name, tenant });
    set({ profile });
  },
  go: (view) => set({ view }),
}));
