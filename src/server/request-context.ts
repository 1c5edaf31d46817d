// Who a request is, for the logs: a request id and its W3C trace context, set by the first
// middleware and kept in AsyncLocalStorage so every log line written while the request runs (route,
// storage, pool errors, the access log) carries them without passing a logger down.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent, TRACEPARENT } from '../platform/trace-context';
import type { AppEnv } from './http';

export interface RequestIds {
  reqId: string;
  traceId: string;
  /** This server's span for the request. */
  spanId: string;
  /** The caller's span, when it sent a valid traceparent. */
  parentSpanId?: string;
}

export const REQUEST_ID_HEADER = 'x-request-id';
// Letters, digits and dashes only (a UUID, a ULID, a proxy's id): never anything a log reader could
// mistake for structure, and too short to smuggle a payload.
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

const store = new AsyncLocalStorage<RequestIds>();

/** The ids of the request whose code is running now; undefined outside a request. */
export function currentRequest(): RequestIds | undefined {
  return store.getStore();
}

function idsOf(requestId: string | undefined, traceparent: string | undefined): { ids: RequestIds; sampled: boolean } {
  const parent = parseTraceparent(traceparent);
  const reqId = requestId !== undefined && REQUEST_ID.test(requestId) ? requestId : randomUUID();
  const ids: RequestIds = { reqId, traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId() };
  if (parent) ids.parentSpanId = parent.parentId;
  // The caller's sampling decision is kept; a trace started here is recorded (in the logs).
  return { ids, sampled: parent ? (parseInt(parent.flags, 16) & 1) === 1 : true };
}

/** First middleware: names the request, runs the rest inside its context, echoes the ids back. */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { ids, sampled } = idsOf(c.req.header(REQUEST_ID_HEADER), c.req.header(TRACEPARENT));
    const traceparent = formatTraceparent(ids.traceId, ids.spanId, sampled);
    c.header(REQUEST_ID_HEADER, ids.reqId);
    c.header(TRACEPARENT, traceparent);
    await store.run(ids, next);
    // A handler that built its own Response bypassed the prepared headers.
    if (c.res.headers.get(REQUEST_ID_HEADER) !== ids.reqId) {
      c.header(REQUEST_ID_HEADER, ids.reqId);
      c.header(TRACEPARENT, traceparent);
    }
  };
}
