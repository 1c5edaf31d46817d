import { create } from 'zustand';
import type { HealthReport } from '../../../shared/api/types';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';

interface HealthState {
  report: HealthReport | null;
  error: string | null;
  refresh(): Promise<void>;
}

export const useHealth = create<HealthState>((set) => ({
  report: null,
  error: null,
  async refresh() {
    try {
      set({ report: await call('system.health', {}), error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
}));
