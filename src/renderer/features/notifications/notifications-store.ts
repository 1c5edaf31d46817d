// The in-app list of recent notifications (the bell in the navigation): kept for this session only,
// newest first, at most MAX. It holds the same words as the OS notification, plus the ids (run,
// device) for its details; never names or record contents.
import { create } from 'zustand';
import type { Notice } from './derive';

const MAX = 100;

export interface NoticeItem extends Notice {
  /** When it was noticed (ISO). */
  at: string;
  read: boolean;
  /** Whether the OS showed it too (permission granted). */
  shown: boolean;
}

interface ListState {
  items: NoticeItem[];
  add(n: Notice, at: string, shown: boolean): void;
  markAllRead(): void;
  clear(): void;
}

export const useNotifications = create<ListState>((set) => ({
  items: [],
  add: (n, at, shown) => set((s) => (s.items.some((i) => i.key === n.key) ? s : { items: [{ ...n, at, read: false, shown }, ...s.items].slice(0, MAX) })),
  markAllRead: () => set((s) => (s.items.some((i) => !i.read) ? { items: s.items.map((i) => (i.read ? i : { ...i, read: true })) } : s)),
  clear: () => set({ items: [] }),
}));

export const unreadCount = (s: Pick<ListState, 'items'>): number => s.items.reduce((n, i) => n + (i.read ? 0 : 1), 0);
