import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobIdOf, openChunk, sealChunk, type ChunkPlace } from './chunk-crypto';

const key = randomBytes(32);
const digest = 'ab'.repeat(32);
const place: ChunkPlace = { tenant: 'acme', blob: blobIdOf(key, digest), index: 2, count: 5, keyVersion: 3 };

describe('attachment chunk sealing', () => {
  it('names a file by a keyed digest: not its sha256, and different under another key', () => {
    expect(place.blob).toMatch(/^[0-9a-f]{64}$/);
    expect(place.blob).not.toBe(digest);
    expect(blobIdOf(randomBytes(32), digest)).not.toBe(place.blob);
    expect(blobIdOf(key, digest)).toBe(place.blob);
  });

  it('seals deterministically (a re-sent chunk is byte-identical) and opens to the same bytes', () => {
    const plain = randomBytes(1000);
    const a = sealChunk(key, place, plain);
    expect(a.length).toBe(1016);
    expect(sealChunk(key, place, plain).equals(a)).toBe(true);
    expect(a.includes(plain.subarray(0, 32))).toBe(false);
    expect(openChunk(key, place, a).equals(plain)).toBe(true);
  });

  it('refuses a chunk opened at another index, count, blob, tenant or key version, or altered', () => {
    const sealed = sealChunk(key, place, randomBytes(64));
    for (const other of [{ index: 3 }, { count: 6 }, { blob: 'cd'.repeat(32) }, { tenant: 'other' }, { keyVersion: 4 }]) {
      expect(() => openChunk(key, { ...place, ...other }, sealed)).toThrow();
    }
    const bent = Buffer.from(sealed);
    bent[0]! ^= 1;
    expect(() => openChunk(key, place, bent)).toThrow();
    expect(() => openChunk(randomBytes(32), place, sealed)).toThrow();
  });
});
