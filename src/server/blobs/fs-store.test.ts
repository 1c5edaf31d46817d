import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { FsBlobStore } from './fs-store';
import { isComplete, type BlobMeta } from './types';

const meta = (blob: string, size: number, chunks = 2): BlobMeta => ({
  tenant: 'acme',
  blob,
  size,
  chunks,
  keyVersion: 1,
  device: 'dev_1',
  createdAt: '2026-12-06T00:00:00.000Z',
});
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('filesystem blob store', () => {
  it('declares once, refuses another shape, counts the quota and answers the chunks it holds', async () => {
    const root = tempDir('maestro-blobs-');
    const s = new FsBlobStore(root);
    expect(await s.declare(meta(A, 600), 1000)).toMatchObject({ ok: true });
    expect(await s.declare(meta(A, 600), 1000)).toMatchObject({ ok: true });
    expect(await s.declare(meta(A, 700), 1000)).toMatchObject({ ok: false, reason: 'conflict' });
    expect(await s.declare(meta(B, 500), 1000)).toEqual({ ok: false, reason: 'quota', usedBytes: 600 });
    expect(await s.declare(meta(B, 400), 1000)).toMatchObject({ ok: true });
    // A new process counts the quota from disk.
    expect(await new FsBlobStore(root).usedBytes('acme')).toBe(1000);
    expect(await isComplete(s, 'acme', A)).toBe(false);
    await s.putChunk('acme', A, 1, Buffer.from('second'));
    await s.putChunk('acme', A, 1, Buffer.from('second'));
    expect(await s.have('acme', A)).toEqual([1]);
    await s.putChunk('acme', A, 0, Buffer.from('first'));
    expect(await isComplete(s, 'acme', A)).toBe(true);
    expect((await s.readChunk('acme', A, 0))?.toString()).toBe('first');
    expect(await s.readChunk('acme', B, 0)).toBeNull();
    expect(await s.meta('other', A)).toBeNull();
  });

  it('a temporary file a crash left is not a chunk, and the sweep at start removes it', async () => {
    const root = tempDir('maestro-blobs-');
    const s = new FsBlobStore(root);
    await s.declare(meta(A, 10, 1), 1000);
    writeFileSync(join(root, 'acme', A, '0.chunk.123abc.tmp'), 'half');
    expect(await s.have('acme', A)).toEqual([]);
    await s.sweep();
    expect(readdirSync(join(root, 'acme', A))).toEqual(['meta.json']);
    expect(existsSync(join(root, 'acme', A, 'meta.json'))).toBe(true);
  });

  it('refuses ids that are not a tenant name and a 64-hex blob id (no path tricks)', async () => {
    const s = new FsBlobStore(tempDir('maestro-blobs-'));
    await expect(s.meta('../etc', A)).rejects.toThrow();
    await expect(s.putChunk('acme', '../../x', 0, Buffer.from('x'))).rejects.toThrow();
  });
});
