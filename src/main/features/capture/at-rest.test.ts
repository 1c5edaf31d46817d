import { AttachmentStore } from './attachment-store';
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { hash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeServices, tempDir } from '../../platform/test-utils';
import { AT_REST_CHUNK_BYTES, HEADER_BYTES } from './at-rest-file';

async function readAll(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

const meta = { name: 'a.bin', mime: 'application/octet-stream', nowIso: '2026-11-01T08:00:00.000Z' };

/** Every file under the attachments folder, concatenated. */
const dirBytes = (dataDir: string) => Buffer.concat(readdirSync(join(dataDir, 'attachments')).map((f) => readFileSync(join(dataDir, 'attachments', f))));

describe('attachment files at rest', () => {
  it('round-trips through put and putStream, readable from any offset, plaintext found nowhere on disk', async () => {
    const dataDir = tempDir();
    const s = makeServices({ dataDir });
    const canary = Buffer.from('CANARY-PHOTO-7f3a9c-do-not-leak');
    const bytes = Buffer.concat([canary, randomBytes(3 * AT_REST_CHUNK_BYTES + 1234), canary]);
    const streamed = await s.capture.attachments.putStream(Readable.from([bytes.subarray(0, 5000), bytes.subarray(5000)]), meta);
    expect(streamed.hash).toBe(hash('sha256', bytes, 'hex'));
    const small = s.capture.attachments.put(Buffer.concat([canary, Buffer.from(' small')]), 'b.txt', 'text/plain', meta.nowIso);
    expect(dirBytes(dataDir).includes(canary)).toBe(false);
    expect(readFileSync(join(dataDir, 'attachments', streamed.hash)).length).toBe(HEADER_BYTES + bytes.length + 4 * 16);
    for (const start of [0, 1, AT_REST_CHUNK_BYTES - 1, AT_REST_CHUNK_BYTES, 2 * AT_REST_CHUNK_BYTES + 17, bytes.length - 1, bytes.length]) {
      expect((await readAll(s.capture.attachments.openRead(streamed.hash, start))).equals(bytes.subarray(start))).toBe(true);
    }
    // readRange (what an upload chunk reads): any span, across the 64 KiB pieces, short at the end.
    const spans: [number, number][] = [
      [0, 10],
      [AT_REST_CHUNK_BYTES - 3, 7],
      [5, 2 * AT_REST_CHUNK_BYTES],
      [bytes.length - 5, 100],
      [bytes.length, 9],
      [0, bytes.length],
    ];
    for (const [start, length] of spans) {
      const got = Buffer.concat(await s.capture.attachments.readRange(streamed.hash, start, length));
      expect(got.equals(bytes.subarray(start, start + length))).toBe(true);
    }
    expect(s.capture.attachments.read(streamed.hash).bytes.equals(bytes)).toBe(true);
    expect(s.capture.attachments.read(small.hash).bytes.toString()).toContain('small');
    s.close();
  });

  it('a flipped byte, a truncated file or another key gives a clear error', async () => {
    const dataDir = tempDir();
    const key = randomBytes(32);
    const s = makeServices({ dataDir, atRestKey: key });
    const bytes = randomBytes(2 * AT_REST_CHUNK_BYTES + 10);
    const { hash: h } = await s.capture.attachments.putStream(Readable.from([bytes]), meta);
    const path = join(dataDir, 'attachments', h);
    const good = readFileSync(path);
    const flipped = Buffer.from(good);
    flipped[HEADER_BYTES + AT_REST_CHUNK_BYTES + 16 + 5]! ^= 1; // inside chunk 1
    writeFileSync(path, flipped);
    // Chunk 0 still reads; the stream errors at chunk 1, before handing out any of it.
    await expect(readAll(s.capture.attachments.openRead(h, 0))).rejects.toThrow(/damaged on disk: chunk 1 fails authentication/);
    await expect(readAll(s.capture.attachments.openRead(h, AT_REST_CHUNK_BYTES + 3))).rejects.toThrow(/chunk 1/);
    await expect(s.capture.attachments.readRange(h, 0, 2 * AT_REST_CHUNK_BYTES)).rejects.toThrow(/chunk 1 fails authentication/);
    expect(Buffer.concat(await s.capture.attachments.readRange(h, 3, 100)).equals(bytes.subarray(3, 103))).toBe(true);
    expect(() => s.capture.attachments.read(h)).toThrow(/damaged/);
    writeFileSync(path, good.subarray(0, good.length - 100));
    await expect(readAll(s.capture.attachments.openRead(h, 0))).rejects.toThrow(/wrong length/);
    writeFileSync(path, good);
    expect((await readAll(s.capture.attachments.openRead(h, 7))).equals(bytes.subarray(7))).toBe(true);
    s.close();
    // Another key (the database opens under its own key; the files are read under a different one).
    const again = makeServices({ dataDir, atRestKey: key });
    const other = new AttachmentStore(again.db, dataDir, randomBytes(32));
    await expect(readAll(other.openRead(h, 0))).rejects.toThrow(/fails authentication/);
    again.close();
  });

  it('putReplayable stores a re-readable source with one sealed write, and nothing if it changes between reads', async () => {
    const dataDir = tempDir();
    const s = makeServices({ dataDir });
    const bytes = randomBytes(AT_REST_CHUNK_BYTES * 2 + 99);
    const r = await s.capture.attachments.putReplayable(() => Readable.from([bytes]), meta);
    expect(r.hash).toBe(hash('sha256', bytes, 'hex'));
    expect((await readAll(s.capture.attachments.openRead(r.hash, 5))).equals(bytes.subarray(5))).toBe(true);
    let reads = 0;
    const fickle = () => Readable.from([reads++ === 0 ? Buffer.from('first bytes') : Buffer.from('other bytes')]);
    await expect(s.capture.attachments.putReplayable(fickle, meta)).rejects.toThrow(/changed between reads/);
    await expect(s.capture.attachments.putReplayable(() => Readable.from([bytes]), meta, { maxBytes: 100 })).rejects.toThrow(/larger/);
    expect(s.db.prepare('SELECT count(*) FROM attachments').pluck().get()).toBe(1);
    expect(readdirSync(join(dataDir, 'attachments'))).toEqual([r.hash]);
    s.close();
  });

  it('a legacy profile (no key) keeps plaintext files; given a key they are sealed in place and still read', async () => {
    const dataDir = tempDir();
    const legacy = makeServices({ dataDir, atRestKey: null });
    const bytes = Buffer.from('legacy plaintext photo bytes '.repeat(5000));
    const { hash: h } = legacy.capture.attachments.put(bytes, 'old.jpg', 'image/jpeg', meta.nowIso);
    expect(readFileSync(join(dataDir, 'attachments', h)).equals(bytes)).toBe(true);
    legacy.close();
    const keyed = makeServices({ dataDir, atRestKey: randomBytes(32) });
    expect((await readAll(keyed.capture.attachments.openRead(h, 10))).equals(bytes.subarray(10))).toBe(true);
    expect(await keyed.capture.attachments.encryptLegacyFiles()).toBe(1);
    expect(readFileSync(join(dataDir, 'attachments', h)).includes(Buffer.from('legacy plaintext'))).toBe(false);
    expect(keyed.capture.attachments.read(h).bytes.equals(bytes)).toBe(true);
    expect(await keyed.capture.attachments.encryptLegacyFiles()).toBe(0);
    keyed.close();
  });
});
