import { create } from 'zustand';
import type { Profile, SystemInfo } from '../../shared/api/types';
import { call } from '../api/client';

export type View = 'capture' | 'outbox' | 'audit' | 'health';

interface AppState {
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  profile: Profile | null;
  info: SystemInfo | null;
  view: View;
  load(): Promise<void>;
  setup(name: string, tenant: string): Promise<void>;
  go(v: View): void;
}

export const useApp = create<AppState>((set) => ({
  status: 'loading',
  error: null,
  profile: null,
  info: null,
  view: 'capture',
  async load() {
    try {
      const [{ profile }, info] = await Promise.all([call('profile.get', {}), call('system.info', {})]);
      set({ profile, info, status: 'ready', error: null });
    } catch (e) {
      set({ status: 'error', error: (e as Error).message });
    }
  },
  async setup(name, tenant) {
    const { profile } = await call('profile.setup', { name, tenant });
    set({ profile });
  },
  go: (view) => set({ view }),
}));
