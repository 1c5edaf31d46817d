import type { ChannelName, Req, Res } from '../../shared/api/types';
import { ApiError } from '../../shared/errors';
import type { Services } from '../services';

export type Handler<K extends ChannelName> = (s: Services, input: Req<K>) => Res<K> | Promise<Res<K>>;
export type Handlers = { [K in ChannelName]: Handler<K> };

/** One plain function per channel; inputs arrive already validated against the channel's schema. */
export const handlers: Handlers = {
  'system.info': (s) => s.info,
  'system.health': (s) => s.health.run(s.clock.now().toISOString()),
  'profile.get': (s) => ({ profile: s.profile.get() }),
  'profile.setup': (s, input) => ({ profile: s.profile.setup(input) }),
  'audit.append': (s, input) => {
    // The actor is always the local profile: the caller cannot name one.
    const entry = s.audit.append({
      actor: s.profile.actor(),
      action: 'note.added',
      subject: input.subject ?? '',
      payload: { note: input.note },
    });
    return { entry };
  },
  'audit.list': (s, input) => s.audit.list({ ...input, limit: input.limit ?? 100 }),
  'audit.get': (s, input) => {
    const entry = s.audit.get(input.seq);
    if (!entry) throw new ApiError('NOT_FOUND', `No audit entry with seq ${input.seq}`);
    return { entry };
  },
  'audit.facets': (s) => s.audit.facets(),
  'audit.verify': (s, input) => s.audit.verifyWithProgress(input.knownHead),
};
