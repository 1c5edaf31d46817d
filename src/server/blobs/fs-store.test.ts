import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { FsBlobStore } from './fs-store';
import { isComplete, type BlobMeta } from './types';
import { chunkSealedLength } from '../../shared/sync/attachments';

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
/** A stand-in for sealed chunk `index` of a `size`-byte file: exactly its sealed length. */
const sealedOf = (size: number, index: number, fill: string): Buffer => Buffer.alloc(chunkSealedLength(size, index), fill);
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
    // Blob A: 600 bytes in two chunks (as the store sees them: the sealed length is plain + 16).
    await s.putChunk('acme', A, 1, sealedOf(600, 1, 's'));
    await s.putChunk('acme', A, 1, [sealedOf(600, 1, 's').subarray(0, 5), sealedOf(600, 1, 's').subarray(5)]);
    expect(await s.have('acme', A)).toEqual([1]);
    expect(existsSync(join(root, 'acme', A, 'durable'))).toBe(false);
    await s.putChunk('acme', A, 0, sealedOf(600, 0, 'f'));
    expect(await isComplete(s, 'acme', A)).toBe(true);
    expect(existsSync(join(root, 'acme', A, 'durable'))).toBe(true);
    expect(await s.readChunk('acme', A, 0)).toEqual(sealedOf(600, 0, 'f'));
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

  it('a chunk file cut short (a power cut before it was flushed) is not held, and a complete blob is flushed and marked before it answers every chunk', async () => {
    const root = tempDir('maestro-blobs-');
    const s = new FsBlobStore(root);
    await s.declare(meta(A, 600, 2), 10_000);
    await s.putChunk('acme', A, 0, sealedOf(600, 0, 'f'));
    writeFileSync(join(root, 'acme', A, '1.chunk'), Buffer.alloc(3));
    expect(await s.have('acme', A)).toEqual([0]);
    expect(await isComplete(s, 'acme', A)).toBe(false);
    expect(existsSync(join(root, 'acme', A, 'durable'))).toBe(false);
    // A new process (nothing in memory) finishes the blob and flushes it.
    const again = new FsBlobStore(root);
    await again.putChunk('acme', A, 1, sealedOf(600, 1, 's'));
    expect(await again.have('acme', A)).toEqual([0, 1]);
    expect(existsSync(join(root, 'acme', A, 'durable'))).toBe(true);
  });
});
