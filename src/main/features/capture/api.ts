// drafts.*, attachments.*, capture.*, records.* handlers (channels: src/shared/api/capture.ts).
import type { captureChannels } from '../../../shared/api/capture';
import type { HandlersFor } from '../../../shared/api/channel';
import { ApiError } from '../../../shared/errors';
import type { Clock } from '../../platform/util/clock';
import { MAX_ATTACHMENT_BYTES, type CaptureService } from './index';

export interface CaptureApiDeps {
  capture: CaptureService;
  clock: Clock;
}

export function captureApi({ capture, clock }: CaptureApiDeps): HandlersFor<typeof captureChannels> {
  return {
    'drafts.save': (input) => ({ draft: capture.saveDraft(input) }),
    'drafts.list': () => ({ drafts: capture.listDrafts() }),
    'drafts.get': (input) => ({ draft: capture.getDraft(input.id) }),
    'drafts.delete': (input) => {
      capture.deleteDraft(input.id);
      return { deleted: true };
    },
    'attachments.put': (input) => {
      const bytes = Buffer.from(input.dataBase64, 'base64');
      if (bytes.length > MAX_ATTACHMENT_BYTES) throw new ApiError('VALIDATION_ERROR', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB`);
      if (bytes.length === 0) throw new ApiError('VALIDATION_ERROR', 'Empty attachment');
      return capture.attachments.put(bytes, input.name, input.mime, clock.now().toISOString());
    },
    'attachments.get': (input) => {
      if (!capture.attachments.has(input.hash)) throw new ApiError('NOT_FOUND', `No attachment ${input.hash}`);
      const a = capture.attachments.read(input.hash);
      return { name: a.name, mime: a.mime, size: a.bytes.length, dataBase64: a.bytes.toString('base64') };
    },
    'capture.submit': (input) => capture.submit(input),
    'records.list': (input) => ({ records: capture.listRecords(input.limit ?? 100) }),
  };
}
