import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce } from './coalesce';

describe('coalesce: a refresh called by a stream of events', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs the first call at once and folds a burst of 100,000 calls into one more run', async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    const f = coalesce(() => {
      runs++;
      return new Promise<void>((r) => (release = r));
    }, 250);
    f();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    for (let i = 0; i < 100_000; i++) f();
    expect(runs).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1); // the gap since the first run's start is not over
    await vi.advanceTimersByTimeAsync(250);
    expect(runs).toBe(2);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2); // nothing called during the second run: no third
  });

  it('a call after a quiet gap runs at once; a call within the gap waits for its end; cancel drops a waiting run', async () => {
    let runs = 0;
    const f = coalesce(() => void runs++, 250);
    f();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    f();
    f();
    await vi.advanceTimersByTimeAsync(149);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    f();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(3);
    f();
    f.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(3);
    f();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(3);
  });

  it('a failing refresh does not stop the next one', async () => {
    let runs = 0;
    const f = coalesce(() => {
      runs++;
      throw new Error('boom');
    }, 10);
    f();
    await vi.advanceTimersByTimeAsync(0);
    f();
    await vi.advanceTimersByTimeAsync(20);
    expect(runs).toBe(2);
  });
});
