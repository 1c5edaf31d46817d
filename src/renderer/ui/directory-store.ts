// The directory of names (team.directory), loaded once and again after each team change; Who reads it.
import { create } from 'zustand';
import type { TeamDirectory } from '../../shared/team/views';
import { call } from '../api/client';

interface DirectoryStore {
  directory: TeamDirectory | null;
  refresh(): Promise<void>;
}

export const useDirectory = create<DirectoryStore>((set) => ({
  directory: null,
  async refresh() {
    try {
      set({ directory: await call('team.directory', {}) });
    } catch {
      // Without a directory every id shows a plain label ("a team member") with the id on hover.
    }
  },
}));
