// A reviewer opens another device's attachment: the sealed chunks are fetched with signed GETs,
// opened under the tenant key, streamed into the attachment store and kept only if the whole file
// matches the digest its (signed, sealed) manifest names. Never more than one chunk in memory.
import { Readable } from 'node:stream';
import { ApiError } from '../../../shared/errors';
import { chunkPath, chunkPlainLength } from '../../../shared/sync/attachments';
import { sendBytes } from '../../platform/device/signed-fetch';
import type { DeviceSigner } from '../../platform/device/credential';
import type { SyncConfig } from '../../platform/device/sync-config';
import { openChunk } from './chunk-crypto';
import type { EngineCtx } from './context';
import type { Transfers } from './transfers';
import { errorAsMessage } from './errors';

interface Manifest {
  name: string;
  mime: string;
  size: number;
  blob: string;
  keyVersion: number;
  chunks: number;
}

function manifestOf(raw: Record<string, unknown> | null): Manifest | null {
  if (!raw) return null;
  const { name, mime, size, blob, keyVersion, chunks } = raw;
  const ints = [size, keyVersion, chunks].every((n) => Number.isInteger(n) && (n as number) >= 0);
  if (typeof blob !== 'string' || !/^[0-9a-f]{64}$/.test(blob) || !ints) return null;
  return {
    name: typeof name === 'string' ? name : 'attachment',
    mime: typeof mime === 'string' ? mime : 'application/octet-stream',
    size: size as number,
    blob,
    keyVersion: keyVersion as number,
    chunks: chunks as number,
  };
}

interface FetchInput {
  cfg: SyncConfig;
  signer: DeviceSigner;
  device: string;
  hash: string;
  transfers: Transfers;
}

async function* chunksOf(ctx: EngineCtx, f: FetchInput, m: Manifest, key: Buffer): AsyncGenerator<Buffer> {
  let done = 0;
  for (let index = 0; index < m.chunks; index++) {
    const reply = await sendBytes(ctx.bytes, f.cfg.serverUrl, 'GET', chunkPath(m.blob, index), undefined, f.signer);
    if (reply.status !== 200) {
      const err = (reply.json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError('UNAVAILABLE', `The server did not give chunk ${index}: ${err?.code ?? reply.status} ${err?.message ?? ''}`.trim(), {
        reason: 'chunk_unavailable',
        index,
        status: reply.status,
      });
    }
    const plain = openChunk(key, { tenant: f.cfg.tenant, blob: m.blob, index, count: m.chunks, keyVersion: m.keyVersion }, reply.bytes);
    if (plain.length !== chunkPlainLength(m.size, index))
      throw new ApiError('VALIDATION_ERROR', `Chunk ${index} has the wrong length`, { reason: 'chunk_length', index });
    done += plain.length;
    f.transfers.progress('download', f.hash, done);
    yield plain;
  }
}

/** Download, verify and store; resolves with the stored file. */
export async function fetchAttachment(ctx: EngineCtx, f: FetchInput): Promise<{ hash: string; size: number; ref: string }> {
  const { d } = ctx;
  const local = d.attachments.stat(f.hash);
  if (local) return { hash: f.hash, size: local.size, ref: `sha256:${f.hash}` };
  const m = manifestOf(d.team.attachmentManifest(f.device, f.hash));
  if (!m) throw new ApiError('NOT_FOUND', `No attachment ${f.hash.slice(0, 12)}… from device ${f.device} has reached this device`, { reason: 'attachment' });
  const key = await d.tenantKeys.get(f.cfg.tenant, m.keyVersion);
  f.transfers.begin({ hash: f.hash, direction: 'download', device: f.device, name: m.name, totalBytes: m.size, doneBytes: 0 });
  try {
    const stored = await d.attachments.putStream(
      Readable.from(chunksOf(ctx, f, m, key)),
      { name: m.name, mime: m.mime, nowIso: d.clock.now().toISOString() },
      { expectedHash: f.hash, maxBytes: m.size },
    );
    f.transfers.end('download', f.hash, 'done');
    return stored;
  } catch (e) {
    f.transfers.end('download', f.hash, 'failed', errorAsMessage(e));
    throw e;
  }
}
