// The invariants' words for people (policy.texts), loaded once per session and again after a policy
// reload; cards, runs and refusals look their checks up here (./card-words.ts words them).
import { useEffect } from 'react';
import { create } from 'zustand';
import { call, onEvent } from '../../api/client';
import type { TextsById } from './card-words';

interface PlainTextsState {
  texts: TextsById;
  loaded: boolean;
  load(force?: boolean): Promise<void>;
}

let inFlight: Promise<void> | null = null;

export const usePlainTextsStore = create<PlainTextsState>((set, get) => ({
  texts: {},
  loaded: false,
  load(force = false) {
    if (get().loaded && !force) return Promise.resolve();
    // Every component showing words asks; one request answers them all.
    inFlight ??= call('policy.texts', {}).then(
      (r) => set({ texts: r.invariants, loaded: true }),
      // Without the texts every check reads as "one of your organisation's rules"; Details still names it.
      () => set({ loaded: true }),
    );
    const p = inFlight;
    void p.finally(() => {
      if (inFlight === p) inFlight = null;
    });
    return p;
  },
}));

/** The loaded texts (empty until loaded: every check then has the general words). */
export function usePlainTexts(): TextsById {
  const texts = usePlainTextsStore((s) => s.texts);
  const load = usePlainTextsStore((s) => s.load);
  useEffect(() => {
    void load();
    // A newly active policy bundle may carry other words (or another language).
    return onEvent('bundles.changed', (c) => {
      if (c.name === 'maestro.policy' && c.change !== 'verified') void load(true);
    });
  }, [load]);
  return texts;
}
