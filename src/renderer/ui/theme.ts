// Light and dark themes (decision 0028): 'system' follows the OS (prefers-color-scheme), or the
// person picks one in Settings; remembered per profile like the language. The choice is the
// data-theme attribute on <html>; styles.css holds both palettes.
import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'maestro.theme';

function read(profileId: string | null): ThemeChoice | null {
  try {
    const v = localStorage.getItem(`${KEY}.${profileId ?? 'device'}`);
    return v === 'system' || v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

function systemTheme(): 'light' | 'dark' {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

function apply(choice: ThemeChoice): void {
  if (typeof document === 'undefined') return;
  document.documentElement.dataset.theme = choice === 'system' ? systemTheme() : choice;
}

interface ThemeState {
  choice: ThemeChoice;
  set(choice: ThemeChoice, profileId: string | null): void;
  /** Once the profile is known: its remembered theme, if any. */
  forProfile(profileId: string): void;
}

export const useTheme = create<ThemeState>((set) => ({
  choice: 'system',
  set(choice, profileId) {
    try {
      localStorage.setItem(`${KEY}.${profileId ?? 'device'}`, choice);
      localStorage.setItem(`${KEY}.device`, choice);
    } catch {
      // storage unavailable: the choice lasts this session
    }
    apply(choice);
    set({ choice });
  },
  forProfile(profileId) {
    const c = read(profileId);
    if (c) {
      apply(c);
      set({ choice: c });
    }
  },
}));

/** At start: the device's last choice, else the OS; follows OS changes while the choice is 'system'. */
export function initTheme(): void {
  const c = read(null) ?? 'system';
  useTheme.setState({ choice: c });
  apply(c);
  if (typeof matchMedia === 'function')
    matchMedia('(prefers-color-scheme: light)').addEventListener('change', () => {
      if (useTheme.getState().choice === 'system') apply('system');
    });
}
