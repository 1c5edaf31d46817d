// drafts.*, attachments.*, capture.*, records.*: capturing records (src/main/features/capture).
import { Type, type Static } from '@sinclair/typebox';
import { anyObject, channel, empty, nullable, obj, str, ulid } from './channel';

/** Largest attachment a device stores and syncs (the main process refuses more). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export const contractRefSchema = Type.String({ pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*){2}@\\d+\\.\\d+\\.\\d+$', maxLength: 120 });

export const draftSchema = obj({ id: str(), contract: str(), data: Type.Unknown(), createdAt: str(), updatedAt: str() });
export type Draft = Static<typeof draftSchema>;

export const captureChannels = {
  'drafts.save': channel(
    'Create or update a draft (autosave); data need not be complete or valid yet.',
    obj({ id: Type.Optional(ulid()), contract: contractRefSchema, data: anyObject() }),
    obj({ draft: draftSchema }),
  ),
  'drafts.list': channel('Drafts, most recently edited first.', empty, obj({ drafts: Type.Array(draftSchema) })),
  'drafts.get': channel('One draft.', obj({ id: ulid() }), obj({ draft: draftSchema })),
  'drafts.delete': channel('Delete a draft.', obj({ id: ulid() }), obj({ deleted: Type.Literal(true) })),
  'attachments.put': channel(
    'Store a file content-addressed; returns its sha256 reference for a capture form.',
    obj({
      name: Type.String({ minLength: 1, maxLength: 200 }),
      mime: Type.String({ pattern: '^[a-z]+/[a-z0-9.+-]+$', maxLength: 100 }),
      dataBase64: Type.String({ maxLength: 14 * 1024 * 1024, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
    }),
    obj({ hash: str(), ref: str(), size: Type.Integer() }),
  ),
  'attachments.get': channel(
    'A stored attachment by its sha256, for previews.',
    obj({ hash: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
    obj({ name: str(), mime: str(), size: Type.Integer(), dataBase64: str() }),
  ),
  'capture.submit': channel(
    'Validate against the contract; record, audit entry and outbox item in one transaction.',
    obj({ contract: contractRefSchema, data: anyObject(), draftId: Type.Optional(ulid()) }),
    obj({ recordId: str(), outboxId: str() }),
  ),
  'records.list': channel(
    'Captured records, newest first, with their outbox state.',
    obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
    obj({ records: Type.Array(obj({ id: str(), contract: str(), createdAt: str(), state: nullable(str()) })) }),
  ),
};
