// Attachment transfer over the signed sync protocol (docs/decisions/0020-attachment-upload.md):
// a file is cut into fixed-size plaintext chunks, each sealed with AES-256-GCM and stored by the
// server under a keyed digest of the file (the blob id). Pure: callers bring node:crypto.
import { Type, type Static } from '@sinclair/typebox';
import { canonicalJson } from '../canonical';
import { constOf, obj } from '../typebox';
import { hex64 } from './wire-formats';

/** Plaintext bytes per chunk (the last one may be shorter). Why 4 MiB: see decision 0020. */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** AES-GCM tag appended to each sealed chunk. */
export const CHUNK_TAG_BYTES = 16;
/** The protocol's hard cap on one attachment (a server may set a lower one). */
export const MAX_BLOB_BYTES = 256 * 1024 * 1024;
export const ATTACHMENTS_PATH = '/v1/attachments';
/** Blob ids an item may name (a record's attachments). */
export const MAX_ITEM_ATTACHMENTS = 100;

export const chunkCountOf = (size: number): number => Math.max(1, Math.ceil(size / CHUNK_BYTES));
/** Plaintext length of chunk `index` of a file of `size` bytes. */
export const chunkPlainLength = (size: number, index: number): number => Math.max(0, Math.min(CHUNK_BYTES, size - index * CHUNK_BYTES));
export const chunkSealedLength = (size: number, index: number): number => chunkPlainLength(size, index) + CHUNK_TAG_BYTES;

/** AES-GCM additional data of one chunk: binds it to its tenant, blob, place and key version. */
export function chunkAad(tenant: string, blob: string, index: number, count: number, keyVersion: number): string {
  return canonicalJson({ tenant, attachment: blob, index, count, keyVersion });
}

/** Input of the keyed digest that names a file on the server (HMAC-SHA256 under the data key). */
export const blobIdInput = (sha256Hex: string): string => `maestro.attachment.v1:${sha256Hex}`;
/** Input of the deterministic chunk nonce (first 12 bytes of HMAC-SHA256 under the data key). */
export const chunkNonceInput = (keyVersion: number, blob: string, index: number): string => `maestro.chunk-nonce.v1:${keyVersion}:${blob}:${index}`;

export const blobDeclareSchema = obj({
  size: Type.Integer({ minimum: 0, maximum: MAX_BLOB_BYTES }),
  chunkBytes: constOf(CHUNK_BYTES),
  chunks: Type.Integer({ minimum: 1, maximum: Math.ceil(MAX_BLOB_BYTES / CHUNK_BYTES) }),
  keyVersion: Type.Integer({ minimum: 1 }),
});
export type BlobDeclare = Static<typeof blobDeclareSchema>;

/** The server's answer to a declare, a chunk PUT or a GET: what it holds of the blob. */
export const blobStateSchema = obj({
  blob: hex64,
  size: Type.Integer({ minimum: 0 }),
  chunks: Type.Integer({ minimum: 1 }),
  keyVersion: Type.Integer({ minimum: 1 }),
  /** Chunk indices stored (each whole), ascending. */
  have: Type.Array(Type.Integer({ minimum: 0 })),
  complete: Type.Boolean(),
});
export type BlobState = Static<typeof blobStateSchema>;

/** What an attachment item carries, sealed: the file's own digest and how to fetch it. */
export interface AttachmentManifest {
  kind: 'attachment';
  hash: string;
  name: string;
  mime: string;
  size: number;
  blob: string;
  keyVersion: number;
  chunkBytes: number;
  chunks: number;
}

export const blobPath = (blob: string): string => `${ATTACHMENTS_PATH}/${blob}`;
export const chunkPath = (blob: string, index: number): string => `${ATTACHMENTS_PATH}/${blob}/chunks/${index}`;
