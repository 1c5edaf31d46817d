// Attachment chunks sealed for the server (decision 0020): AES-256-GCM per chunk under a data key,
// a deterministic nonce and the blob id both keyed by that key, so a chunk re-sent after a crash is
// byte-identical and the server never learns the file's digest.
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { blobIdInput, chunkAad, chunkNonceInput, CHUNK_TAG_BYTES } from '../../../shared/sync/attachments';

const hmac = (key: Buffer, input: string): Buffer => createHmac('sha256', key).update(input, 'utf8').digest();

/** The server's name for a file: HMAC-SHA256(data key, digest) in hex. */
export const blobIdOf = (key: Buffer, sha256Hex: string): string => hmac(key, blobIdInput(sha256Hex)).toString('hex');

export interface ChunkPlace {
  tenant: string;
  blob: string;
  index: number;
  count: number;
  keyVersion: number;
}

const nonceOf = (key: Buffer, p: ChunkPlace): Buffer => hmac(key, chunkNonceInput(p.keyVersion, p.blob, p.index)).subarray(0, 12);
const aadOf = (p: ChunkPlace): Buffer => Buffer.from(chunkAad(p.tenant, p.blob, p.index, p.count, p.keyVersion), 'utf8');

/** ciphertext ‖ 16-byte tag */
export function sealChunk(key: Buffer, p: ChunkPlace, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonceOf(key, p));
  c.setAAD(aadOf(p));
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

/** The plaintext of a sealed chunk; throws when it was altered or belongs elsewhere. */
export function openChunk(key: Buffer, p: ChunkPlace, sealed: Buffer): Buffer {
  if (sealed.length < CHUNK_TAG_BYTES) throw new Error(`chunk ${p.index} is too short`);
  const d = createDecipheriv('aes-256-gcm', key, nonceOf(key, p));
  d.setAAD(aadOf(p));
  d.setAuthTag(sealed.subarray(sealed.length - CHUNK_TAG_BYTES));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - CHUNK_TAG_BYTES)), d.final()]);
}
