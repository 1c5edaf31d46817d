import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileRefused, readRegularFile, streamRegularFile } from './regular-file';

const dir = mkdtempSync(join(tmpdir(), 'maestro-regular-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FileRefused);
    return (e as FileRefused).reason;
  }
  throw new Error('expected a refusal');
};

/** Resolves with the refusal, or fails when the event loop was held for more than 200 ms meanwhile. */
async function withoutStall<T>(p: Promise<T>): Promise<T> {
  let worst = 0;
  let last = performance.now();
  const t = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  try {
    return await p;
  } finally {
    clearInterval(t);
    expect(worst).toBeLessThan(200);
  }
}

describe('readRegularFile', () => {
  it('reads a regular file', async () => {
    const p = join(dir, 'a.txt');
    writeFileSync(p, 'hello');
    expect((await readRegularFile(p, 100)).toString()).toBe('hello');
  });

  it('refuses a FIFO at once (no writer ever comes)', async () => {
    const p = join(dir, 'fifo');
    execFileSync('mkfifo', [p]);
    expect(await withoutStall(refusal(readRegularFile(p, 1024)))).toBe('not_a_file');
    expect(await withoutStall(refusal(streamRegularFile(p, 1024)))).toBe('not_a_file');
  });

  it('refuses a device that never ends', async () => {
    expect(await withoutStall(refusal(readRegularFile('/dev/zero', 1024)))).toBe('not_a_file');
  });

  it('refuses a folder, a missing path, and a file over the cap before reading it', async () => {
    expect(await refusal(readRegularFile(dir, 1024))).toBe('not_a_file');
    expect(await refusal(readRegularFile(join(dir, 'nope'), 1024))).toBe('not_found');
    const big = join(dir, 'sparse');
    writeFileSync(big, '');
    truncateSync(big, 64 * 1024 * 1024 * 1024); // a 64 GiB sparse file: refused by its size, nothing read
    expect(await withoutStall(refusal(readRegularFile(big, 1024 * 1024)))).toBe('too_large');
  });

  it('streams a regular file up to the size seen at open', async () => {
    const p = join(dir, 'b.bin');
    writeFileSync(p, Buffer.alloc(3 * 1024 * 1024, 7));
    const { stream, size } = await streamRegularFile(p, 10 * 1024 * 1024);
    let n = 0;
    for await (const c of stream) n += (c as Buffer).length;
    expect([size, n]).toEqual([3 * 1024 * 1024, 3 * 1024 * 1024]);
  });
});
