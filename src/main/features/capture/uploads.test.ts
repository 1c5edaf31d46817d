import { describe, expect, it } from 'vitest';
import { createHash, hash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDispatcher } from '../../app/dispatch';
import { makeServices, tempDir } from '../../platform/test-utils';
import { UPLOAD_CHUNK_BYTES } from '../../../shared/api/capture';
import type { Services } from '../../app/services';
import { gpsEntryCount, hasLatitude, jpegWithGps } from './test-jpeg';

type D = ReturnType<typeof createDispatcher>;
type Ok<T> = { ok: true; data: T };
type State = { id: string; nextIndex: number; received: number; chunkBytes: number };

async function setup() {
  const dataDir = tempDir();
  const s = makeServices({ dataDir });
  const d = createDispatcher(s);
  await d('profile.setup', { name: 'Ada', tenant: 'acme' });
  return { s, d, dataDir };
}

const chunksOf = (bytes: Buffer) =>
  Array.from({ length: Math.ceil(bytes.length / UPLOAD_CHUNK_BYTES) }, (_, i) => bytes.subarray(i * UPLOAD_CHUNK_BYTES, (i + 1) * UPLOAD_CHUNK_BYTES));
const listDigest = (chunks: Buffer[]) =>
  createHash('sha256')
    .update(Buffer.concat(chunks.map((c) => hash('sha256', c, 'buffer'))))
    .digest('hex');
const chunkReq = (id: string, index: number, c: Buffer) => ({ id, index, sha256: hash('sha256', c, 'hex'), dataBase64: c.toString('base64') });

async function begin(d: D, size: number, extra: Record<string, unknown> = {}) {
  return (await d('attachments.upload.begin', { name: 'f.bin', mime: 'application/octet-stream', size, resumeKey: 'file-key-1', ...extra })) as Ok<State>;
}

async function upload(d: D, bytes: Buffer, extra: Record<string, unknown> = {}) {
  const { data } = await begin(d, bytes.length, extra);
  const chunks = chunksOf(bytes);
  for (let i = 0; i < chunks.length; i++) expect(await d('attachments.upload.chunk', chunkReq(data.id, i, chunks[i]!))).toMatchObject({ ok: true });
  return d('attachments.upload.finish', { id: data.id, sha256: listDigest(chunks) });
}

const files = (dataDir: string) => readdirSync(join(dataDir, 'attachments'));
const count = (s: Services) => s.db.prepare('SELECT count(*) FROM attachments').pluck().get() as number;

describe('attachments.upload.*', () => {
  it('stores a file sent in order, resumes after a reload, ignores a repeated chunk, refuses a gap', async () => {
    const { s, d } = await setup();
    const bytes = randomBytes(3 * UPLOAD_CHUNK_BYTES + 777);
    const chunks = chunksOf(bytes);
    const first = await begin(d, bytes.length);
    expect(first.data).toMatchObject({ nextIndex: 0, received: 0, chunkBytes: UPLOAD_CHUNK_BYTES });
    await d('attachments.upload.chunk', chunkReq(first.data.id, 0, chunks[0]!));
    expect(await d('attachments.upload.chunk', chunkReq(first.data.id, 2, chunks[2]!))).toMatchObject({
      ok: false,
      error: { message: 'Expected chunk 1, got 2' },
    });
    await d('attachments.upload.chunk', chunkReq(first.data.id, 1, chunks[1]!));
    // The renderer reloads: begin again with the same key answers the same session and where it stands.
    const again = await begin(d, bytes.length);
    expect(again.data).toMatchObject({ id: first.data.id, nextIndex: 2, received: 2 * UPLOAD_CHUNK_BYTES });
    expect(await d('attachments.upload.chunk', chunkReq(first.data.id, 1, chunks[1]!))).toMatchObject({ ok: true, data: { nextIndex: 2 } });
    expect(await d('attachments.upload.chunk', chunkReq(first.data.id, 1, chunks[2]!))).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const damaged = { ...chunkReq(first.data.id, 2, chunks[2]!), sha256: 'a'.repeat(64) };
    expect(await d('attachments.upload.chunk', damaged)).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(await d('attachments.upload.finish', { id: first.data.id, sha256: listDigest(chunks) })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('Only') },
    });
    for (const i of [2, 3]) await d('attachments.upload.chunk', chunkReq(first.data.id, i, chunks[i]!));
    const done = (await d('attachments.upload.finish', { id: first.data.id, sha256: listDigest(chunks) })) as Ok<{ hash: string; size: number; ref: string }>;
    expect(done.data).toEqual({ hash: hash('sha256', bytes, 'hex'), size: bytes.length, ref: `sha256:${hash('sha256', bytes, 'hex')}` });
    expect(s.capture.attachments.read(done.data.hash).bytes.equals(bytes)).toBe(true);
    expect(await d('attachments.upload.chunk', chunkReq(first.data.id, 0, chunks[0]!))).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a wrong final digest stores nothing and leaves no staging file; abort drops a session', async () => {
    const { s, d, dataDir } = await setup();
    const bytes = randomBytes(UPLOAD_CHUNK_BYTES + 5);
    const { data } = await begin(d, bytes.length);
    const chunks = chunksOf(bytes);
    for (let i = 0; i < chunks.length; i++) await d('attachments.upload.chunk', chunkReq(data.id, i, chunks[i]!));
    expect(await d('attachments.upload.finish', { id: data.id, sha256: 'b'.repeat(64) })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(count(s)).toBe(0);
    expect(files(dataDir)).toEqual([]);
    const other = await begin(d, 31, { resumeKey: 'file-key-2' });
    const canary = Buffer.from('CANARY-STAGED-PHOTO-0b5e-no-leak');
    await d('attachments.upload.chunk', chunkReq(other.data.id, 0, canary.subarray(0, 31)));
    expect(files(dataDir)).toHaveLength(1);
    // Mid-upload, the staged bytes on disk are not the plaintext.
    expect(readFileSync(join(dataDir, 'attachments', files(dataDir)[0]!)).includes(canary.subarray(0, 31))).toBe(false);
    expect(await d('attachments.upload.abort', { id: other.data.id })).toEqual({ ok: true, data: { aborted: true } });
    expect(files(dataDir)).toEqual([]);
  });

  it('refuses a file over 256 MiB, or over its field cap, in plain words, before any byte', async () => {
    const { s, d } = await setup();
    expect(await begin(d, 256 * 1024 * 1024 + 1)).toMatchObject({
      ok: false,
      error: {
        code: 'VALIDATION_ERROR',
        message: 'This file is 256 MiB; files here are limited to 256 MiB.',
        // The UI says it from the reason and the sizes, in the user's language (errors.VALIDATION_ERROR.file_too_large).
        details: { reason: 'file_too_large', sizeMiB: 256, maxMiB: 256, size: 256 * 1024 * 1024 + 1, maxBytes: 256 * 1024 * 1024 },
      },
    });
    expect(await begin(d, 256 * 1024 * 1024)).toMatchObject({ ok: true });
    const doc = structuredClone(s.contracts.get('field.inspect.site@1.2.0').doc) as unknown as {
      contract: string;
      schema: { properties: Record<string, Record<string, unknown>> };
    };
    doc.contract = 'field.inspect.site@1.3.0';
    (doc.schema.properties.photos!.items as Record<string, unknown>)['x-maestro-max-bytes'] = 2 * 1024 * 1024;
    s.contracts.load(doc);
    const capped = await begin(d, 3 * 1024 * 1024, { resumeKey: 'file-key-3', contract: doc.contract, field: '/photos' });
    expect(capped).toMatchObject({ ok: false, error: { message: 'This file is 3 MiB; files here are limited to 2 MiB.', details: { sizeMiB: 3, maxMiB: 2 } } });
    // The cap holds at submit too, for a file stored without naming its field.
    const big = (await upload(d, randomBytes(3 * 1024 * 1024), { resumeKey: 'file-key-4' })) as Ok<{ ref: string }>;
    const site = {
      siteId: 'PS-7',
      inspectedAt: '2026-11-20',
      location: { lat: 52.1, lon: 4.3 },
      condition: 'fair',
      inspector: { name: 'Ada' },
      readings: [],
      photos: [big.data.ref],
    };
    expect(await d('capture.submit', { contract: doc.contract, data: site })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR', details: [expect.objectContaining({ path: '/photos/0', keyword: 'x-maestro-max-bytes' })] },
    });
    expect(await d('capture.submit', { contract: 'field.inspect.site@1.2.0', data: site })).toMatchObject({ ok: true });
  });

  it('strips EXIF GPS before hashing unless the field keeps location', async () => {
    const { s, d } = await setup();
    const jpeg = jpegWithGps(randomBytes(2 * UPLOAD_CHUNK_BYTES));
    const stripped = (await upload(d, jpeg, { mime: 'image/jpeg', contract: 'field.inspect.site@1.2.0', field: '/photos/0' })) as Ok<{ hash: string }>;
    const stored = s.capture.attachments.read(stripped.data.hash).bytes;
    expect(stripped.data.hash).toBe(hash('sha256', stored, 'hex'));
    expect(stripped.data.hash).not.toBe(hash('sha256', jpeg, 'hex'));
    expect(gpsEntryCount(stored)).toBe(0);
    expect(hasLatitude(stored)).toBe(false);
    const small = (await d('attachments.put', { name: 'p.jpg', mime: 'image/jpeg', dataBase64: jpegWithGps().toString('base64') })) as Ok<{ hash: string }>;
    expect(hasLatitude(s.capture.attachments.read(small.data.hash).bytes)).toBe(false);

    const doc = structuredClone(s.contracts.get('field.inspect.site@1.2.0').doc) as unknown as {
      contract: string;
      schema: { properties: Record<string, Record<string, unknown>> };
    };
    doc.contract = 'field.inspect.site@1.4.0';
    doc.schema.properties.photos!['x-maestro-keep-location'] = true;
    s.contracts.load(doc);
    const kept = (await upload(d, jpeg, { resumeKey: 'file-key-9', mime: 'image/jpeg', contract: doc.contract, field: '/photos' })) as Ok<{ hash: string }>;
    expect(kept.data.hash).toBe(hash('sha256', jpeg, 'hex'));
    expect(hasLatitude(s.capture.attachments.read(kept.data.hash).bytes)).toBe(true);
  });

  it('ingests a 200 MB file with bounded memory', async () => {
    const { s, d } = await setup();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const size = 200 * 1000 * 1000;
    const { data } = await begin(d, size);
    const whole = createHash('sha256');
    const digests: Buffer[] = [];
    const base = process.memoryUsage().rss;
    let peak = base;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const seed = randomBytes(UPLOAD_CHUNK_BYTES);
    for (let i = 0, at = 0; at < size; i++, at += UPLOAD_CHUNK_BYTES) {
      const c = Buffer.from(seed.subarray(0, Math.min(UPLOAD_CHUNK_BYTES, size - at)));
      c.writeUInt32BE(i, 0); // every chunk differs
      whole.update(c);
      digests.push(hash('sha256', c, 'buffer'));
      await d('attachments.upload.chunk', chunkReq(data.id, i, c));
      peak = Math.max(peak, process.memoryUsage().rss);
      if (i % 10 === 0) gc(); // garbage (each request's base64 text) is not what this measures
    }
    const done = (await d('attachments.upload.finish', { id: data.id, sha256: createHash('sha256').update(Buffer.concat(digests)).digest('hex') })) as Ok<{
      hash: string;
      size: number;
    }>;
    clearInterval(sample);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(done.data).toEqual(expect.objectContaining({ hash: whole.digest('hex'), size }));
    // Read back streamed: the digest of what openRead yields is the name.
    const check = createHash('sha256');
    for await (const c of s.capture.attachments.openRead(done.data.hash)) check.update(c as Buffer);
    expect(check.digest('hex')).toBe(done.data.hash);
    console.log(`200 MB ingest: peak RSS growth ${Math.round((peak - base) / 1e6)} MB`);
    expect(peak - base).toBeLessThan(size * 0.4);
  }, 180_000);
});
