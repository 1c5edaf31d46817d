/**
 * A refresh that a stream of events calls. The first call runs `fn` at once; calls while it runs, or
 * within `gapMs` of its start, fold into one more run after it. A burst of events (a background
 * eviction's 100,000 audit entries, a sync applying runs page by page) costs a few refreshes, not
 * one per event: a view that refreshed per event sent two requests per audit entry and froze the
 * renderer for the whole burst.
 */
export interface Coalesced {
  (): void;
  /** Drops a waiting run (the view is gone). A run in flight finishes. */
  cancel(): void;
}

export function coalesce(fn: () => unknown, gapMs = 250, now: () => number = Date.now): Coalesced {
  let running = false;
  let pending = false;
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastStart = -Infinity;
  const start = () => {
    timer = null;
    pending = false;
    running = true;
    lastStart = now();
    void Promise.resolve()
      .then(fn)
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (pending && !cancelled) schedule();
      });
  };
  const schedule = () => {
    const wait = lastStart + gapMs - now();
    if (wait <= 0) start();
    else timer = setTimeout(start, wait);
  };
  const call = (() => {
    if (cancelled) return;
    if (running || timer) pending = true;
    else schedule();
  }) as Coalesced;
  call.cancel = () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return call;
}
