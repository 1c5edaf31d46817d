// drafts.*, attachments.*, capture.*, records.*: capturing records (src/main/features/capture).
import { Type, type Static } from '@sinclair/typebox';
import { anyObject, channel, nullable, obj, str, ulid } from './channel';
import { LOCALE_PATTERN } from '../contract-annotations';

/** Largest attachment a device stores and syncs (the main process refuses more; a contract may set less). */
export const MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024;
/** Largest file sent whole in one request (attachments.put, evidence artifacts); bigger ones go in chunks. */
export const MAX_INLINE_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Bytes per attachments.upload.chunk (all but the last chunk carry exactly this many). */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

const mimeSchema = Type.String({ pattern: '^[a-z]+/[a-z0-9.+-]+$', maxLength: 100 });
const hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const storedSchema = obj({ hash: str(), ref: str(), size: Type.Integer() });
const uploadState = obj({ id: str(), chunkBytes: Type.Integer(), nextIndex: Type.Integer(), received: Type.Integer() });

export const contractRefSchema = Type.String({ pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*){2}@\\d+\\.\\d+\\.\\d+$', maxLength: 120 });

/** The language a record was captured in ("sv", "pt-BR"); decision 0031. */
const captureLocaleSchema = Type.String({ pattern: LOCALE_PATTERN, maxLength: 35 });

export const draftSchema = obj({ id: str(), contract: str(), data: Type.Unknown(), createdAt: str(), updatedAt: str() });
export type Draft = Static<typeof draftSchema>;
/** Where the next page of drafts starts (keyset: edited before this draft, or at the same time with a smaller id). */
const draftCursorSchema = obj({ updatedAt: str(), id: str() });

export const captureChannels = {
  'drafts.save': channel(
    'Create or update a draft (autosave); data need not be complete or valid yet.',
    obj({ id: Type.Optional(ulid()), contract: contractRefSchema, data: anyObject() }),
    obj({ draft: draftSchema }),
  ),
  'drafts.list': channel(
    'Drafts, most recently edited first, a page at a time (`before`: the `next` of the last page).',
    obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), before: Type.Optional(draftCursorSchema) }),
    obj({ drafts: Type.Array(draftSchema), next: nullable(draftCursorSchema) }),
  ),
  'drafts.get': channel('One draft.', obj({ id: ulid() }), obj({ draft: draftSchema })),
  'drafts.delete': channel('Delete a draft.', obj({ id: ulid() }), obj({ deleted: Type.Literal(true) })),
  'attachments.put': channel(
    'Store a small file (≤ 10 MiB) whole, content-addressed; returns its sha256 reference. Bigger: attachments.upload.*.',
    obj({
      name: Type.String({ minLength: 1, maxLength: 200 }),
      mime: mimeSchema,
      dataBase64: Type.String({ maxLength: 14 * 1024 * 1024, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
      contract: Type.Optional(contractRefSchema),
      field: Type.Optional(Type.String({ pattern: '^(/[^/]{1,100}){0,20}$', maxLength: 500 })),
    }),
    storedSchema,
  ),
  'attachments.upload.begin': channel(
    'Start (or resume, same resumeKey) a chunked upload of a file to store; says which chunk comes next.',
    obj({
      name: Type.String({ minLength: 1, maxLength: 200 }),
      mime: mimeSchema,
      size: Type.Integer({ minimum: 1 }),
      /** The renderer's name for this file (e.g. a digest of name, size and modification time). */
      resumeKey: Type.String({ pattern: '^[A-Za-z0-9_-]{8,100}$' }),
      /** The contract and data path of the field it is for: its size cap and location rule apply. */
      contract: Type.Optional(contractRefSchema),
      field: Type.Optional(Type.String({ pattern: '^(/[^/]{1,100}){0,20}$', maxLength: 500 })),
    }),
    uploadState,
  ),
  'attachments.upload.chunk': channel(
    'One chunk, in order (index = nextIndex; a repeat of an acknowledged chunk is accepted and ignored), with its sha256.',
    obj({
      id: str(),
      index: Type.Integer({ minimum: 0 }),
      sha256: hex64,
      // No pattern: a regex over 1.4 MB costs more than the chunk's sha256, which checks the decoded bytes.
      dataBase64: Type.String({ maxLength: Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4 }),
    }),
    uploadState,
  ),
  'attachments.upload.finish': channel(
    "Store the staged file; sha256 is the SHA-256 of the chunks' 32-byte digests in order (a wrong one stores nothing).",
    obj({ id: str(), sha256: hex64 }),
    storedSchema,
  ),
  'attachments.upload.abort': channel('Drop a staged upload.', obj({ id: str() }), obj({ aborted: Type.Boolean() })),
  'attachments.get': channel(
    'A stored attachment by its sha256, for previews.',
    obj({ hash: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
    obj({ name: str(), mime: str(), size: Type.Integer(), dataBase64: str() }),
  ),
  'capture.submit': channel(
    'Validate against the contract; record, audit entry and outbox item in one transaction. The record keeps `locale` (default en).',
    obj({ contract: contractRefSchema, data: anyObject(), draftId: Type.Optional(ulid()), locale: Type.Optional(captureLocaleSchema) }),
    obj({ recordId: str(), outboxId: str() }),
  ),
  'records.list': channel(
    'Captured records, newest first, with their outbox state.',
    obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
    obj({ records: Type.Array(obj({ id: str(), contract: str(), createdAt: str(), locale: str(), state: nullable(str()) })) }),
  ),
};
