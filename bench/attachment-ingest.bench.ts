// Attachments on the device (decision 0018).
// attachment.ingest.mbps: MB/s of a 64 MiB file through attachments.upload.* (the dispatcher, base64
//   1 MiB chunks, each digested; staging under a one-off key; location stripping; sealing under the
//   at-rest key). Reference in the same run: a bare streamed write of the same bytes to a file.
// attachment.read.mbps: MB/s of openRead over that sealed file (every 64 KiB chunk authenticated).
//   Reference: a bare streamed read of a plaintext file of the same size.
import { createHash, hash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDispatcher } from '../src/main/app/dispatch';
import { makeServices, tempDir } from '../src/main/platform/test-utils';
import { UPLOAD_CHUNK_BYTES } from '../src/shared/api/capture';
import { emit, size } from './figure';

const SIZE = size(64, 2) * 1024 * 1024;
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

export async function run(): Promise<void> {
  const dataDir = tempDir('maestro-bench-ingest-');
  const s = makeServices({ dataDir });
  const d = createDispatcher(s);
  await d('profile.setup', { name: 'Bench', tenant: 'bench' });
  const chunks = Array.from({ length: SIZE / UPLOAD_CHUNK_BYTES }, () => randomBytes(UPLOAD_CHUNK_BYTES));

  let t = performance.now();
  await pipeline(Readable.from(chunks), createWriteStream(join(dataDir, 'bare.bin')));
  const bareWrite = performance.now() - t;

  t = performance.now();
  const begun = (await d('attachments.upload.begin', { name: 'b.bin', mime: 'application/octet-stream', size: SIZE, resumeKey: 'bench-file-1' })) as {
    data: { id: string };
  };
  const digests: Buffer[] = [];
  for (const [index, c] of chunks.entries()) {
    const sha = hash('sha256', c, 'buffer');
    digests.push(sha);
    await d('attachments.upload.chunk', { id: begun.data.id, index, sha256: sha.toString('hex'), dataBase64: c.toString('base64') });
  }
  const done = (await d('attachments.upload.finish', { id: begun.data.id, sha256: createHash('sha256').update(Buffer.concat(digests)).digest('hex') })) as {
    data: { hash: string };
  };
  const ingest = performance.now() - t;
  emit({
    name: 'attachment.ingest.mbps',
    value: mbps(SIZE, ingest),
    unit: 'MB/s',
    ref: mbps(SIZE, bareWrite),
    refName: 'bare streamed file write',
    target: null,
  });

  writeFileSync(join(dataDir, 'plain.bin'), Buffer.concat(chunks));
  t = performance.now();
  for await (const _ of createReadStream(join(dataDir, 'plain.bin'))) void _;
  const bareRead = performance.now() - t;
  t = performance.now();
  const check = createHash('sha256');
  for await (const c of s.capture.attachments.openRead(done.data.hash)) check.update(c as Buffer);
  const sealedRead = performance.now() - t;
  if (check.digest('hex') !== done.data.hash) throw new Error('attachment bench: read back a different file');
  emit({
    name: 'attachment.read.mbps',
    value: mbps(SIZE, sealedRead),
    unit: 'MB/s',
    ref: mbps(SIZE, bareRead),
    refName: 'bare streamed file read',
    target: null,
  });
  s.close();
}
