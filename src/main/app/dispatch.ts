import { channelSchemas, type ChannelName } from '../../shared/api/index';
import { ApiError, type ApiResult } from '../../shared/errors';
import { CanonicalJsonError } from '../../shared/canonical';
import { malformedTextAt } from '../../shared/json';
import { assertValid, compileSchema, describeErrors } from '../../shared/validation';
import type { Services } from './services';
import { buildHandlers, type Handlers } from './handlers';

export type Dispatch = (channel: string, input: unknown) => Promise<ApiResult<unknown>>;

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The one entry point both transports call. Unknown channel → NOT_FOUND; bad input →
 * VALIDATION_ERROR (nothing runs); a handler's own ApiError passes through; anything else is
 * logged and becomes INTERNAL with no stack. Responses are validated too, so a handler bug
 * cannot leak an off-schema shape to the renderer.
 */
export function createDispatcher(services: Services, handlers: Handlers = buildHandlers(services)): Dispatch {
  return async (channel, input) => {
    if (typeof channel !== 'string' || !hasOwn(channelSchemas, channel)) {
      return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown channel ${String(channel).slice(0, 80)}` } };
    }
    const name = channel as ChannelName;
    const schemas = channelSchemas[name];
    services.activity?.begin();
    try {
      // No input is `{}`; an explicit null is a value like any other (and refused by the schema).
      const given = input === undefined ? {} : input;
      const bad = malformedTextAt(given);
      if (bad !== null)
        throw new ApiError('VALIDATION_ERROR', `${name} request: text at ${bad} is not valid Unicode (a lone surrogate)`, [
          { path: bad, keyword: 'unicode', message: 'lone surrogate' },
        ]);
      const req = assertValid<never>(schemas.req, given, `${name} request`);
      const res = await (handlers[name] as (i: unknown) => unknown)(req);
      const resValid = compileSchema(schemas.res);
      if (!resValid(res)) {
        services.logger.error('response failed its schema', { code: 'INTERNAL', channel: name, details: describeErrors(resValid.errors) });
        return { ok: false, error: { code: 'INTERNAL', message: 'Internal error' } };
      }
      return { ok: true, data: res };
    } catch (e) {
      if (e instanceof ApiError) return { ok: false, error: e.toJSON() };
      if (e instanceof CanonicalJsonError) {
        return { ok: false, error: { code: 'VALIDATION_ERROR', message: e.message, details: [{ path: e.path, keyword: 'canonical', message: e.message }] } };
      }
      services.logger.error('handler failed', { code: 'INTERNAL', channel: name, err: (e as Error).message });
      return { ok: false, error: { code: 'INTERNAL', message: 'Internal error' } };
    } finally {
      services.activity?.end();
    }
  };
}
