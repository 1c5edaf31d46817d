// Whether the first-run intro is open: on its own once per profile and role (remembered in
// localStorage, like a UI preference of this browser profile), and again whenever Help asks for it.
import { create } from 'zustand';
import type { IntroMemory } from './intro-words';

interface IntroState {
  /** Help asked for it (shown even when dismissed before). */
  asked: boolean;
  /** Bumped on dismiss so the view re-reads the memory. */
  version: number;
  show(): void;
  dismissed(): void;
}

export const useIntro = create<IntroState>((set) => ({
  asked: false,
  version: 0,
  show: () => set({ asked: true }),
  dismissed: () => set((s) => ({ asked: false, version: s.version + 1 })),
}));

const fallback = new Map<string, string>();

/** localStorage, or memory for this session where it cannot be used. */
export function introMemory(): IntroMemory {
  try {
    if (typeof localStorage !== 'undefined') {
      localStorage.getItem('maestro.probe');
      return localStorage;
    }
  } catch {
    // Storage disabled: remember for this session only.
  }
  return { getItem: (k) => fallback.get(k) ?? null, setItem: (k, v) => void fallback.set(k, v) };
}
