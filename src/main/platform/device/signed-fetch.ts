import { createHash, hash, randomBytes, type KeyObject } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { H_DEVICE, H_NONCE, H_SIGNATURE, H_TIMESTAMP, requestSigningBytes } from '../../../shared/sync/protocol';
import { signBase64 } from '../../../platform/ed25519';
import { H_SERVER_KEYS } from '../../../shared/sync/server-keys';
import { formatTraceparent, newSpanId, newTraceId, TRACEPARENT } from '../../../platform/trace-context';
import { jsonBytes } from '../util/json-bytes';

export type FetchFn = typeof fetch;

export class NetworkError extends Error {
  readonly code = 'NETWORK';
}

/** Who signs a request; `traceId` (W3C) ties every request of one sync run or pull together in the server's logs. */
interface RequestSigner {
  deviceId: string;
  key: KeyObject;
  now: () => Date;
  traceId?: string;
  /** The newest server key id the device knows (H_SERVER_KEYS): the reply then carries the server's key chain if it knows a later key. */
  serverKeys?: () => string | null;
}

/** A traceparent for one request: the signer's trace (else a new one) and a new span. Unsigned: it only correlates logs. */
const traceparentOf = (signer?: RequestSigner): string => formatTraceparent(signer?.traceId ?? newTraceId(), newSpanId());

export interface HttpReply {
  status: number;
  body: unknown;
  bytes: number;
  /** The reply's Retry-After, in milliseconds (delay-seconds or an HTTP date), when it had one. */
  retryAfterMs?: number;
}

/**
 * 502/503/504: a load balancer with no instance to route to, or an instance shutting down. Not an
 * answer about the request: the device waits and retries as if offline, burning no attempt.
 */
export const isTransientStatus = (status: number): boolean => status === 502 || status === 503 || status === 504;

/** Retry-After as milliseconds from `nowMs`; undefined when absent or unreadable. */
export function retryAfterMsOf(header: string | null, nowMs: number): number | undefined {
  const v = header?.trim();
  if (!v) return undefined;
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

const EMPTY: Buffer<ArrayBuffer> = Buffer.alloc(0);

/** One HTTP exchange with the sync server. Connection failures and time-outs become NetworkError. */
export async function sendJson(
  fetchFn: FetchFn,
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body: unknown,
  signer?: RequestSigner,
  timeoutMs = 30_000,
): Promise<HttpReply> {
  // Bytes, not one long string (./util/json-bytes.ts): hashed and sent as they are.
  const bytes = body === undefined ? EMPTY : jsonBytes(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', [TRACEPARENT]: traceparentOf(signer) };
  if (signer) {
    const timestamp = signer.now().toISOString();
    const nonce = randomBytes(18).toString('base64url');
    headers[H_DEVICE] = signer.deviceId;
    const known = signer.serverKeys?.();
    if (known) headers[H_SERVER_KEYS] = known;
    headers[H_TIMESTAMP] = timestamp;
    headers[H_NONCE] = nonce;
    headers[H_SIGNATURE] = signBase64(signer.key, requestSigningBytes({ method, path, timestamp, nonce, bodySha256: hash('sha256', bytes, 'hex') }));
  }
  let res: Response;
  try {
    res = await fetchFn(new URL(path, baseUrl), { method, headers, body: method === 'GET' ? undefined : bytes, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new NetworkError(`cannot reach ${baseUrl}: ${(e as Error).message}`);
  }
  let raw: string;
  try {
    raw = await res.text();
  } catch (e) {
    throw new NetworkError(`connection lost while reading the reply: ${(e as Error).message}`);
  }
  let parsed: unknown = null;
  try {
    parsed = raw ? (JSON.parse(raw) as unknown) : null;
  } catch {
    parsed = null;
  }
  const retryAfterMs = retryAfterMsOf(res.headers.get('retry-after'), Date.now());
  return { status: res.status, body: parsed, bytes: raw.length, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

export interface BytesReply {
  status: number;
  /** The reply body: parsed JSON when the server answered JSON, else the raw bytes. */
  json: unknown;
  bytes: Buffer;
}

/** A body given as pieces in order, with the SHA-256 of their concatenation already computed. */
export interface HashedParts {
  parts: readonly Uint8Array[];
  sha256: string;
}

function hashParts(parts: readonly Uint8Array[]): string {
  const digest = createHash('sha256');
  for (const p of parts) digest.update(p);
  return digest.digest('hex');
}

/** One raw HTTP exchange: what sendBytes needs of a transport. */
export type BytesTransport = (
  url: URL,
  init: { method: 'GET' | 'POST' | 'PUT'; headers: Record<string, string>; body?: readonly Uint8Array[]; timeoutMs: number },
) => Promise<{ status: number; contentType: string; bytes: Buffer }>;

/**
 * node:http(s) straight to the socket: a multi-MiB chunk is written as it is, with no copy into a web
 * stream (what fetch does with a body), which is most of the cost of an upload (decision 0020).
 */
export const nodeTransport: BytesTransport = (url, init) =>
  new Promise((resolve, reject) => {
    const body = init.body ?? [];
    const headers = { ...init.headers, ...(init.body ? { 'content-length': String(body.reduce((n, b) => n + b.length, 0)) } : {}) };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: init.method, headers, timeout: init.timeoutMs }, (res: IncomingMessage) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), bytes: Buffer.concat(parts) }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${init.timeoutMs} ms`)));
    req.on('error', reject);
    for (const part of body) req.write(part);
    req.end();
  });

/** The same exchange through a fetch function (tests route it to an in-process server). */
export const fetchTransport =
  (fetchFn: FetchFn): BytesTransport =>
  async (url, init) => {
    const res = await fetchFn(url, {
      method: init.method,
      headers: init.headers,
      body: init.method === 'GET' || !init.body ? undefined : Buffer.concat(init.body),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
  };

/**
 * One signed exchange carrying raw bytes (attachment chunks, decision 0020): the signature covers
 * the SHA-256 of exactly these bytes, as for JSON bodies. Connection failures become NetworkError.
 */
export async function sendBytes(
  transport: BytesTransport,
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body: Uint8Array | string | HashedParts | undefined,
  signer: RequestSigner,
  timeoutMs = 120_000,
): Promise<BytesReply> {
  const json = typeof body === 'string';
  const parts: readonly Uint8Array[] =
    body === undefined ? [] : typeof body === 'string' ? [Buffer.from(body, 'utf8')] : body instanceof Uint8Array ? [body] : body.parts;
  const bodySha256 = body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) ? body.sha256 : hashParts(parts);
  const timestamp = signer.now().toISOString();
  const nonce = randomBytes(18).toString('base64url');
  const headers: Record<string, string> = {
    'content-type': json ? 'application/json' : 'application/octet-stream',
    [H_DEVICE]: signer.deviceId,
    [H_TIMESTAMP]: timestamp,
    [H_NONCE]: nonce,
    [H_SIGNATURE]: signBase64(signer.key, requestSigningBytes({ method, path, timestamp, nonce, bodySha256 })),
    [TRACEPARENT]: traceparentOf(signer),
  };
  let reply: Awaited<ReturnType<BytesTransport>>;
  try {
    reply = await transport(new URL(path, baseUrl), { method, headers, body: method === 'GET' ? undefined : parts, timeoutMs });
  } catch (e) {
    throw new NetworkError(`cannot reach ${baseUrl}: ${(e as Error).message}`);
  }
  let parsed: unknown = null;
  if (reply.contentType.includes('json')) {
    try {
      parsed = JSON.parse(reply.bytes.toString('utf8')) as unknown;
    } catch {
      parsed = null;
    }
  }
  return { status: reply.status, json: parsed, bytes: reply.bytes };
}
