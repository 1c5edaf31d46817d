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
