// transfers.* and attachments.fetch: attachment uploads and downloads, chunk by chunk
// (src/main/features/sync; decision 0020).
import { Type, type Static } from '@sinclair/typebox';
import { storedErrorSchema } from '../error-messages';
import { channel, empty, enumOf, nullable, obj, sha256Hex, str } from './channel';

export const transferStateSchema = enumOf(['waiting', 'running', 'paused', 'done', 'refused', 'failed']);
export type TransferState = Static<typeof transferStateSchema>;

export const transferSchema = obj({
  hash: sha256Hex(),
  direction: enumOf(['upload', 'download']),
  /** Downloads: the device that captured the file. */
  device: nullable(str()),
  name: str(),
  state: transferStateSchema,
  doneBytes: Type.Integer({ minimum: 0 }),
  totalBytes: Type.Integer({ minimum: 0 }),
  /** Over the current run of this transfer (bytes that were already on the server are not counted). */
  bytesPerSecond: Type.Number({ minimum: 0 }),
  etaSeconds: nullable(Type.Number({ minimum: 0 })),
  /** Why it waits, was refused or failed: a message code and params (decision 0030). */
  message: nullable(storedErrorSchema),
  updatedAt: str(),
});
export type Transfer = Static<typeof transferSchema>;

const deviceId = () => Type.String({ minLength: 1, maxLength: 64 });

export const transfersChannels = {
  'transfers.list': channel('Attachment uploads and downloads of this session, newest first.', empty, obj({ items: Type.Array(transferSchema) })),
  'transfers.pause': channel('Pause the upload of one file after its current chunk; it stays queued.', obj({ hash: sha256Hex() }), transferSchema),
  'transfers.resume': channel('Resume a paused upload from the first chunk the server lacks.', obj({ hash: sha256Hex() }), transferSchema),
  'attachments.fetch': channel(
    "Download another device's attachment (team records), check it against its digest and store it; resolves when stored.",
    obj({ device: deviceId(), hash: sha256Hex() }),
    obj({ hash: sha256Hex(), size: Type.Integer({ minimum: 0 }), ref: str() }),
  ),
};

export const transfersEvents = {
  'transfers.progress': transferSchema,
};
