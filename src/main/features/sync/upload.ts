// Chunked, resumable upload of one attachment (decision 0020): declare the blob, learn which chunks
// the server holds, then seal and PUT each missing chunk, UPLOAD_WINDOW at a time, read straight from
// the attachment store (never the whole file in memory). Every request is device-signed.
import { blobPath, blobStateSchema, chunkCountOf, chunkPath, chunkPlainLength, CHUNK_BYTES, type BlobState } from '../../../shared/sync/attachments';
import { lazyValidator } from '../../../shared/validation';
import { msg, type Message } from '../../../shared/messages';
import { sendBytes, type BytesReply } from '../../platform/device/signed-fetch';
import type { DeviceSigner } from '../../platform/device/credential';
import type { SyncConfig } from '../../platform/device/sync-config';
import { sealChunkParts, type ChunkPlace } from './chunk-crypto';
import type { EngineCtx } from './context';
import type { OutboxRow } from './ports';
import type { Transfers } from './transfers';
import { errorAsMessage, replyError } from './errors';

const blobStateValid = lazyValidator(blobStateSchema);

/** `error`: why it was refused or must wait (the server's API error, or a sync error), as a message. */
type UploadOutcome = { kind: 'stored' } | { kind: 'paused' } | { kind: 'refused'; error: Message } | { kind: 'later'; error: Message };

interface UploadInput {
  cfg: SyncConfig;
  signer: DeviceSigner;
  row: OutboxRow;
  transfers: Transfers;
}

/** The data key an item was sealed with (tenant or device scope, at its version). */
async function keyOf(ctx: EngineCtx, row: OutboxRow): Promise<Buffer> {
  const src = row.key_scope === 'tenant' ? ctx.d.tenantKeys : ctx.d.dataKeys;
  return src.get(row.tenant, row.key_version!);
}

/** A reply that is not a blob state: refused for good (4xx but rate limits) or later. */
function judge(reply: BytesReply): UploadOutcome | BlobState {
  if (reply.status === 200 && blobStateValid(reply.json)) return reply.json as BlobState;
  const error = reply.status === 200 ? msg('errors.sync.malformed_reply') : replyError(reply.status, reply.json);
  if (reply.status >= 400 && reply.status < 500 && reply.status !== 429 && reply.status !== 401) return { kind: 'refused', error };
  return { kind: 'later', error };
}

const isState = (x: UploadOutcome | BlobState): x is BlobState => 'blob' in x;

/** Chunks in flight at once: reading and sealing the next overlaps sending the current one. */
export const UPLOAD_WINDOW = 2;

interface Job {
  ctx: EngineCtx;
  u: UploadInput;
  hash: string;
  blob: string;
  size: number;
  chunks: number;
  key: Buffer;
}

/** Read, seal and PUT one chunk: the server's state after it, or why not. */
async function sendChunk(j: Job, index: number): Promise<UploadOutcome | BlobState> {
  const plain = await j.ctx.d.attachments.readRange(j.hash, index * CHUNK_BYTES, chunkPlainLength(j.size, index));
  const place: ChunkPlace = { tenant: j.u.row.tenant, blob: j.blob, index, count: j.chunks, keyVersion: j.u.row.key_version! };
  const sealed = sealChunkParts(j.key, place, plain);
  const reply = await sendBytes(j.ctx.bytes, j.u.cfg.serverUrl, 'PUT', chunkPath(j.blob, index), sealed, j.u.signer);
  return judge(reply);
}

/** Send the missing chunks, UPLOAD_WINDOW at a time, in order; stops at the first refusal or pause. */
async function sendMissing(j: Job, missing: number[], doneBefore: number): Promise<UploadOutcome> {
  let next = 0;
  let done = doneBefore;
  let stop: UploadOutcome | null = null;
  let thrown: unknown = null;
  const worker = async (): Promise<void> => {
    while (stop === null && thrown === null && next < missing.length) {
      if (j.u.transfers.isPaused(j.hash)) {
        stop = { kind: 'paused' };
        return;
      }
      const index = missing[next++]!;
      try {
        const st = await sendChunk(j, index);
        if (!isState(st)) stop ??= st;
        else {
          done += chunkPlainLength(j.size, index);
          j.u.transfers.progress('upload', j.hash, done);
        }
      } catch (e) {
        thrown ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: UPLOAD_WINDOW }, () => worker()));
  if (thrown !== null) throw thrown;
  return stop ?? { kind: 'stored' };
}

/** Upload every chunk the server lacks; NetworkError propagates (the run goes offline). */
export async function uploadAttachment(ctx: EngineCtx, u: UploadInput): Promise<UploadOutcome> {
  const { d } = ctx;
  const hash = u.row.attachment_hash!;
  const blob = (JSON.parse(u.row.blob_ids!) as string[])[0]!;
  const stat = d.attachments.stat(hash);
  if (!stat) return { kind: 'refused', error: msg('errors.sync.attachment_gone') };
  const chunks = chunkCountOf(stat.size);
  const body = JSON.stringify({ size: stat.size, chunkBytes: CHUNK_BYTES, chunks, keyVersion: u.row.key_version });
  const declared = judge(await sendBytes(ctx.bytes, u.cfg.serverUrl, 'POST', blobPath(blob), body, u.signer));
  if (!isState(declared)) return declared;
  const have = new Set(declared.have);
  const missing = Array.from({ length: chunks }, (_, i) => i).filter((i) => !have.has(i));
  const doneBefore = declared.have.reduce((n, i) => n + chunkPlainLength(stat.size, i), 0);
  u.transfers.begin({ hash, direction: 'upload', device: null, name: stat.name, totalBytes: stat.size, doneBytes: doneBefore });
  const job: Job = { ctx, u, hash, blob, size: stat.size, chunks, key: await keyOf(ctx, u.row) };
  let out: UploadOutcome;
  try {
    out = await sendMissing(job, missing, doneBefore);
  } catch (e) {
    u.transfers.end('upload', hash, 'waiting', errorAsMessage(e));
    throw e;
  }
  if (out.kind === 'stored') u.transfers.end('upload', hash, 'done');
  else if (out.kind === 'paused') u.transfers.end('upload', hash, 'paused', msg('errors.sync.transfer_paused'));
  else u.transfers.end('upload', hash, out.kind === 'refused' ? 'refused' : 'waiting', out.error);
  return out;
}
