// Shared HTTP plumbing for the app and its routers: the Hono env type and the one place that
// turns an ApiError into the `{ ok:false, error }` envelope used by every transport.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, HTTP_STATUS_BY_CODE, type ApiResult, type ErrorCode } from '../shared/errors';
import { malformedTextAt } from '../shared/json';
import type { DeviceRecord } from './storage/types';

/** What device authentication established about a request (kept as evidence for equivocations). */
export interface SignedRequestInfo {
  path: string;
  timestamp: string;
  nonce: string;
  signature: string;
  bodySha256: string;
}

export type AppEnv = {
  Variables: {
    // Set by errorResponse so the access log can report the code without reading the body.
    errorCode: ErrorCode | undefined;
    // Set by the device authentication middleware on every authenticated /v1 request.
    device: DeviceRecord;
    /** The exact body bytes the signature covers; routes parse these, never a re-read body. */
    rawBody: RawBody;
    signedRequest: SignedRequestInfo;
  };
};

/**
 * A request body as it came off the socket: its pieces in order, joined only when a route asks for
 * one buffer (JSON); an attachment chunk goes to disk as the pieces, never copied whole.
 */
export class RawBody {
  private joined: Uint8Array | null = null;
  readonly length: number;
  constructor(readonly parts: readonly Uint8Array[]) {
    this.length = parts.reduce((n, p) => n + p.length, 0);
  }
  bytes(): Uint8Array {
    this.joined ??= this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    return this.joined;
  }
}

export const STATUS_BY_CODE: Record<ErrorCode, ContentfulStatusCode> = HTTP_STATUS_BY_CODE;

export function errorResponse(c: Context<AppEnv>, err: ApiError): Response {
  c.set('errorCode', err.code);
  const body: ApiResult<never> = { ok: false, error: err.toJSON() };
  return c.json(body, STATUS_BY_CODE[err.code]);
}

/** Best-effort mapping for HTTP errors raised by Hono itself (e.g. malformed JSON → 400). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'VALIDATION_ERROR';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'INTERNAL';
  }
}

/**
 * The authenticated raw body of a JSON request: its Content-Type must say JSON (a form or text body
 * is refused before it is parsed), then parseJsonBody.
 */
export function jsonBody(c: Context<AppEnv>): unknown {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ApiError('VALIDATION_ERROR', `This request's body must be JSON (Content-Type: application/json), not ${type || 'untyped'}`, {
      reason: 'content_type',
    });
  return parseJsonBody(c.get('rawBody').bytes());
}

/** Parses the authenticated raw body as JSON; malformed JSON is a 400 like any invalid input. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ApiError('VALIDATION_ERROR', 'Request body is not valid JSON', { reason: 'malformed_json' });
  }
  // "\ud800" is valid JSON but not text: refused here rather than failing in storage.
  const bad = malformedTextAt(v);
  if (bad !== null) throw new ApiError('VALIDATION_ERROR', `Text at ${bad} is not valid Unicode (a lone surrogate)`, { reason: 'malformed_text', path: bad });
  return v;
}
