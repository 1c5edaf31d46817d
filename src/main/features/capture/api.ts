// drafts.*, attachments.*, capture.*, records.* handlers (channels: src/shared/api/capture.ts).
import type { captureChannels } from '../../../shared/api/capture';
import type { HandlersFor } from '../../../shared/api/channel';
import { ApiError } from '../../../shared/errors';
import type { Clock } from '../../platform/util/clock';
import { MAX_INLINE_ATTACHMENT_BYTES } from '../../../shared/api/capture';
import type { CaptureService } from './index';
import { stripLocation } from './location-strip';
import { tooLarge } from './uploads';

export interface CaptureApiDeps {
  capture: CaptureService;
  clock: Clock;
}

export function captureApi({ capture, clock }: CaptureApiDeps): HandlersFor<typeof captureChannels> {
  return {
    'drafts.save': (input) => ({ draft: capture.saveDraft(input) }),
    'drafts.list': (page) => {
      const limit = page.limit ?? 100;
      const drafts = capture.listDrafts({ limit, before: page.before });
      const last = drafts.length === limit ? drafts[drafts.length - 1] : undefined;
      return { drafts, next: last ? { updatedAt: last.updatedAt, id: last.id } : null };
    },
    'drafts.get': (input) => ({ draft: capture.getDraft(input.id) }),
    'drafts.delete': (input) => {
      capture.deleteDraft(input.id);
      return { deleted: true };
    },
    'attachments.put': async (input) => {
      const rule = capture.attachmentRule(input.contract, input.field);
      const max = Math.min(rule.maxBytes, MAX_INLINE_ATTACHMENT_BYTES);
      let bytes: Buffer = Buffer.from(input.dataBase64, 'base64');
      if (bytes.length > max) throw tooLarge(bytes.length, max);
      if (bytes.length === 0) throw new ApiError('VALIDATION_ERROR', 'Empty attachment', { reason: 'empty_attachment' });
      if (!rule.keepLocation) bytes = await stripLocation(bytes);
      return capture.attachments.put(bytes, input.name, input.mime, clock.now().toISOString());
    },
    'attachments.upload.begin': (input) => {
      const { contract, field, ...file } = input;
      return capture.uploads.begin(file, capture.attachmentRule(contract, field));
    },
    'attachments.upload.chunk': (input) => capture.uploads.chunk(input),
    'attachments.upload.finish': (input) => capture.uploads.finish(input),
    'attachments.upload.abort': (input) => ({ aborted: capture.uploads.abort(input.id) }),
    'attachments.get': (input) => {
      if (!capture.attachments.has(input.hash)) throw new ApiError('NOT_FOUND', `No attachment ${input.hash}`, { reason: 'attachment' });
      const meta = capture.attachments.stat(input.hash)!;
      if (meta.size > MAX_INLINE_ATTACHMENT_BYTES)
        throw new ApiError('VALIDATION_ERROR', `Attachment ${input.hash} is too large to preview whole`, { reason: 'preview_too_large' });
      const a = capture.attachments.read(input.hash);
      return { name: a.name, mime: a.mime, size: a.bytes.length, dataBase64: a.bytes.toString('base64') };
    },
    'capture.submit': (input) => capture.submit(input),
    'records.list': (input) => ({ records: capture.listRecords(input.limit ?? 100) }),
  };
}
