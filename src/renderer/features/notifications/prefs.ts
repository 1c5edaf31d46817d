// Which notifications a person wants, and after how long a sync failure is worth one: remembered per
// profile in local storage (like the theme, ui/theme.ts). Also whether the OS lets the app show them;
// permission is asked only from a click in Settings (or when a kind is switched on while undecided).
import { create } from 'zustand';
import { NOTIFY_KINDS, type NotifyKind } from './derive';

export const DEFAULT_SYNC_DELAY_MIN = 30;
export const MIN_SYNC_DELAY_MIN = 5;
export const MAX_SYNC_DELAY_MIN = 1440;
const KEY = 'maestro.notifications';

export interface NotifyPrefs {
  /** Kinds switched off (all on by default). */
  off: NotifyKind[];
  syncDelayMin: number;
}

export type Permission = 'granted' | 'denied' | 'default' | 'unsupported';

const DEFAULTS: NotifyPrefs = { off: [], syncDelayMin: DEFAULT_SYNC_DELAY_MIN };

export const clampDelay = (n: number): number =>
  Number.isFinite(n) ? Math.min(MAX_SYNC_DELAY_MIN, Math.max(MIN_SYNC_DELAY_MIN, Math.round(n))) : DEFAULT_SYNC_DELAY_MIN;

function read(profileId: string | null): NotifyPrefs {
  try {
    const raw = localStorage.getItem(`${KEY}.${profileId ?? 'device'}`);
    if (!raw) return DEFAULTS;
    const v = JSON.parse(raw) as Partial<NotifyPrefs>;
    const off = Array.isArray(v.off) ? NOTIFY_KINDS.filter((k) => v.off!.includes(k)) : [];
    return { off, syncDelayMin: clampDelay(typeof v.syncDelayMin === 'number' ? v.syncDelayMin : DEFAULT_SYNC_DELAY_MIN) };
  } catch {
    return DEFAULTS;
  }
}

function write(profileId: string | null, p: NotifyPrefs): void {
  try {
    localStorage.setItem(`${KEY}.${profileId ?? 'device'}`, JSON.stringify(p));
  } catch {
    // storage unavailable: the choice lasts this session
  }
}

/** What the OS (Electron) or the browser says now. */
export function permissionNow(): Permission {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.permission;
}

interface PrefsState extends NotifyPrefs {
  profileId: string | null;
  permission: Permission;
  /** Once the profile is known: its remembered choices. */
  forProfile(profileId: string): void;
  /** Switch a kind on or off; switching one on while permission is undecided asks (the click is the gesture). */
  setKind(kind: NotifyKind, on: boolean): void;
  setDelay(minutes: number): void;
  /** Ask the OS / browser; call only from a click. */
  askPermission(): Promise<Permission>;
  refreshPermission(): void;
}

export const useNotifyPrefs = create<PrefsState>((set, get) => {
  const save = (p: Partial<NotifyPrefs>) => {
    const next = { off: get().off, syncDelayMin: get().syncDelayMin, ...p };
    write(get().profileId, next);
    set(next);
  };
  return {
    ...DEFAULTS,
    profileId: null,
    permission: permissionNow(),
    forProfile: (profileId) => set({ profileId, ...read(profileId), permission: permissionNow() }),
    setKind(kind, on) {
      save({ off: on ? get().off.filter((k) => k !== kind) : [...new Set([...get().off, kind])] });
      if (on && get().permission === 'default') void get().askPermission();
    },
    setDelay: (minutes) => save({ syncDelayMin: clampDelay(minutes) }),
    refreshPermission: () => set({ permission: permissionNow() }),
    async askPermission() {
      if (typeof Notification === 'undefined') return 'unsupported';
      let p: Permission;
      try {
        p = await Notification.requestPermission();
      } catch {
        p = permissionNow();
      }
      set({ permission: p });
      return p;
    },
  };
});
