// POST /api/<channel> straight on node:http: the web host's hot path. The Hono app (server.ts) serves
// everything else (the event stream, the renderer, unknown /api routes) and answered these requests
// too before; through it every call built a WHATWG Request, a ReadableStream, an AbortSignal and a
// Response, and read the body as a web stream: more than half of the round trip on a small call
// (issue 20). Here the body is read from the IncomingMessage and the answer written with one
// writeHead/end. The checks, their order, status codes, bodies and headers are those of the Hono
// route they replace (host → token → body limit → content type → JSON → dispatch); server.test.ts
// and api-route.test.ts hold them to that.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_STATUS_BY_CODE, type ErrorCode } from '../../../shared/errors';
import type { Dispatch } from '../dispatch';

/** The decoder Request.text() uses (WHATWG UTF-8: a leading BOM dropped, bad bytes → U+FFFD). */
const utf8 = new TextDecoder();

/** A channel name exactly as the Hono route `/api/:channel` took it; anything else goes to Hono. */
const API_PATH = /^\/api\/([^/?#%]+)(?:\?.*)?$/;

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

export interface ApiRoute {
  /** Handles the request and returns true, or returns false (untouched) when it is not an API call. */
  (req: IncomingMessage, res: ServerResponse): boolean;
}

interface ApiRouteOptions {
  dispatch: Dispatch;
  /** Host header values allowed (the DNS-rebinding guard). */
  allowedHosts: () => Set<string>;
  /** Constant-time check of the bearer token. */
  tokenOk: (given: string) => boolean;
  maxBodyBytes: number;
}

function send(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  res.writeHead(status, {
    ...extra,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const errorJson = (code: ErrorCode, message: string, details?: unknown): string =>
  JSON.stringify({ ok: false, error: details === undefined ? { code, message } : { code, message, details } });

function fail(res: ServerResponse, code: ErrorCode, message: string, details?: unknown): void {
  send(res, HTTP_STATUS_BY_CODE[code], errorJson(code, message, details), SECURITY_HEADERS);
}

/** The request body, or null when it grew past `max` (the rest is drained and dropped). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve(null);
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

async function handle(o: ApiRouteOptions, channel: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!m || !o.tokenOk(m[1]!)) return fail(res, 'UNAUTHORIZED', 'Missing or wrong API token');
  const tooLarge = () => fail(res, 'PAYLOAD_TOO_LARGE', `Request body over ${o.maxBodyBytes} bytes`);
  // As hono/body-limit: a declared length is trusted (node:http holds the body to it), else the bytes are counted.
  const declared = req.headers['content-length'];
  if (declared !== undefined && req.headers['transfer-encoding'] === undefined && parseInt(declared, 10) > o.maxBodyBytes) {
    req.resume();
    return tooLarge();
  }
  const body = await readBody(req, o.maxBodyBytes);
  if (body === null) return tooLarge();
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return fail(res, 'VALIDATION_ERROR', 'Content-Type must be application/json');
  const text = body.length === 0 ? '' : utf8.decode(body);
  let input: unknown;
  try {
    input = text.length === 0 ? {} : (JSON.parse(text) as unknown);
  } catch (e) {
    return fail(res, 'VALIDATION_ERROR', 'Malformed JSON body', [{ path: '/', keyword: 'json', message: (e as Error).message }]);
  }
  const result = await o.dispatch(channel, input);
  const status = result.ok ? 200 : HTTP_STATUS_BY_CODE[result.error.code];
  send(res, status, JSON.stringify(result), { 'cache-control': 'no-store', ...SECURITY_HEADERS });
}

export function createApiRoute(o: ApiRouteOptions): ApiRoute {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const match = API_PATH.exec(req.url ?? '');
    if (!match) return false;
    // DNS-rebinding guard first, as on every route (and without the security headers, as there).
    if (!o.allowedHosts().has(req.headers.host ?? '')) {
      req.resume();
      send(res, 403, errorJson('FORBIDDEN', 'Host not allowed'));
      return true;
    }
    handle(o, match[1]!, req, res).catch(() => {
      if (!res.headersSent) fail(res, 'INTERNAL', 'Internal error');
      else res.destroy();
    });
    return true;
  };
}
