/** Exponential backoff with full jitter (AWS architecture blog): delay = random(0, min(cap, base·2^attempt)). */
export const BACKOFF = { baseMs: 2_000, capMs: 15 * 60_000, maxAttempts: 8 } as const;

export function backoffDelayMs(attempt: number, random: () => number = Math.random, b: { baseMs: number; capMs: number } = BACKOFF): number {
  const ceiling = Math.min(b.capMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
