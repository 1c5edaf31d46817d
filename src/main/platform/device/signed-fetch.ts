import { hash, randomBytes, type KeyObject } from 'node:crypto';
import { H_DEVICE, H_NONCE, H_SIGNATURE, H_TIMESTAMP, requestSigningBytes } from '../../../shared/sync/protocol';
import { signBase64 } from '../../../platform/ed25519';

export type FetchFn = typeof fetch;

export class NetworkError extends Error {
  readonly code = 'NETWORK';
}

export interface HttpReply {
  status: number;
  body: unknown;
  bytes: number;
}

/** One HTTP exchange with the sync server. Connection failures and time-outs become NetworkError. */
export async function sendJson(
  fetchFn: FetchFn,
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body: unknown,
  signer?: { deviceId: string; key: KeyObject; now: () => Date },
  timeoutMs = 30_000,
): Promise<HttpReply> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signer) {
    const timestamp = signer.now().toISOString();
    const nonce = randomBytes(18).toString('base64url');
    headers[H_DEVICE] = signer.deviceId;
    headers[H_TIMESTAMP] = timestamp;
    headers[H_NONCE] = nonce;
    headers[H_SIGNATURE] = signBase64(signer.key, requestSigningBytes({ method, path, timestamp, nonce, bodySha256: hash('sha256', text, 'hex') }));
  }
  let res: Response;
  try {
    res = await fetchFn(new URL(path, baseUrl), { method, headers, body: method === 'GET' ? undefined : text, signal: AbortSignal.timeout(timeoutMs) });
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
  return { status: res.status, body: parsed, bytes: raw.length };
}

export interface BytesReply {
  status: number;
  /** The reply body: parsed JSON when the server answered JSON, else the raw bytes. */
  json: unknown;
  bytes: Buffer;
}

/**
 * One signed exchange carrying raw bytes (attachment chunks, decision 0020): the signature covers
 * the SHA-256 of exactly these bytes, as for JSON bodies. Connection failures become NetworkError.
 */
export async function sendBytes(
  fetchFn: FetchFn,
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body: Uint8Array | string | undefined,
  signer: { deviceId: string; key: KeyObject; now: () => Date },
  timeoutMs = 120_000,
): Promise<BytesReply> {
  const payload = body ?? '';
  const timestamp = signer.now().toISOString();
  const nonce = randomBytes(18).toString('base64url');
  const headers: Record<string, string> = {
    'content-type': typeof payload === 'string' ? 'application/json' : 'application/octet-stream',
    [H_DEVICE]: signer.deviceId,
    [H_TIMESTAMP]: timestamp,
    [H_NONCE]: nonce,
    [H_SIGNATURE]: signBase64(signer.key, requestSigningBytes({ method, path, timestamp, nonce, bodySha256: hash('sha256', payload, 'hex') })),
  };
  let res: Response;
  let bytes: Buffer;
  try {
    res = await fetchFn(new URL(path, baseUrl), {
      method,
      headers,
      body: method === 'GET' ? undefined : (payload as NonNullable<RequestInit['body']>),
      signal: AbortSignal.timeout(timeoutMs),
    });
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    throw new NetworkError(`cannot reach ${baseUrl}: ${(e as Error).message}`);
  }
  let json: unknown = null;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      json = JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      json = null;
    }
  }
  return { status: res.status, json, bytes };
}
