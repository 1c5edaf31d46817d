import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../platform/events';
import { fixedClock, makeServices, tempDir } from '../../platform/test-utils';
import { Transfers } from './transfers';

describe('transfers', () => {
  it('a paused upload stays paused across a restart and is listed as paused until resumed', () => {
    const dataDir = tempDir();
    const s = makeServices({ dataDir });
    const clock = fixedClock();
    const first = new Transfers(createEventBus(), clock, s.db);
    first.begin({ hash: 'a'.repeat(64), direction: 'upload', device: null, name: 'site.jpg', totalBytes: 100, doneBytes: 0 });
    expect(first.pause('a'.repeat(64), 'site.jpg').state).toBe('paused');
    first.begin({ hash: 'b'.repeat(64), direction: 'upload', device: null, name: 'done.jpg', totalBytes: 5, doneBytes: 5 });
    first.end('upload', 'b'.repeat(64), 'done');
    expect(first.pause('b'.repeat(64), 'done.jpg').state).toBe('done');

    // The next session (a restart): the pause is still there, shown with its name.
    const second = new Transfers(createEventBus(), clock, s.db);
    expect(second.isPaused('a'.repeat(64))).toBe(true);
    expect(second.isPaused('b'.repeat(64))).toBe(false);
    expect(second.list()).toMatchObject([{ hash: 'a'.repeat(64), name: 'site.jpg', state: 'paused', direction: 'upload' }]);
    expect(second.resume('a'.repeat(64), 'site.jpg').state).toBe('waiting');
    const third = new Transfers(createEventBus(), clock, s.db);
    expect(third.isPaused('a'.repeat(64))).toBe(false);
    expect(third.list()).toEqual([]);
    s.close();
  });
});
