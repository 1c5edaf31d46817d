// The active policy's switches the UI needs before anyone acts (today: four eyes), read once from
// policy.status and again on demand; unknown (null) until the first answer.
import { create } from 'zustand';
import { call } from '../api/client';

interface PolicyFlags {
  fourEyes: boolean | null;
  load(): Promise<void>;
}

export const usePolicyFlags = create<PolicyFlags>((set) => ({
  fourEyes: null,
  async load() {
    try {
      const s = await call('policy.status', {});
      set({ fourEyes: s.fourEyes });
    } catch {
      // unknown: the main process still refuses a decision four eyes forbids
    }
  },
}));
