// audit.* handlers (channels: src/shared/api/audit.ts).
import type { auditChannels } from '../../../shared/api/audit';
import type { HandlersFor } from '../../../shared/api/channel';
import { ApiError } from '../../../shared/errors';
import type { AuditService } from './index';

export interface AuditApiDeps {
  audit: AuditService;
  /** Who acts: the local profile. */
  profile: { actor(): string };
}

export function auditApi({ audit, profile }: AuditApiDeps): HandlersFor<typeof auditChannels> {
  return {
    'audit.append': (input) => {
      // The actor is always the local profile: the caller cannot name one.
      const entry = audit.append({ actor: profile.actor(), action: 'note.added', subject: input.subject ?? '', payload: { note: input.note } });
      return { entry };
    },
    'audit.list': (input) => audit.list({ ...input, limit: input.limit ?? 100 }),
    'audit.get': (input) => {
      const entry = audit.get(input.seq);
      if (!entry) throw new ApiError('NOT_FOUND', `No audit entry with seq ${input.seq}`, { reason: 'audit_entry', seq: input.seq });
      return { entry };
    },
    'audit.facets': () => audit.facets(),
    'audit.verify': (input) => audit.verifyWithProgress(input.knownHead),
  };
}
