// A BundleReader over the sync server's GET /v1/bundles/<name>/… routes, and the server's bundle
// listing. Requests are signed with the device's enrolled key exactly as sync and the admin board
// sign theirs (shared/sync/protocol requestSigningBytes over method, path with query, timestamp,
// nonce and the SHA-256 of the empty body): the server serves bundles to enrolled devices only.
//
// Nothing here is trusted: the verifier checks every byte against the root it trusts. What this
// reader enforces is the endless-data caps: a Content-Length over the cap is refused before any
// byte is read, and streamed bytes are counted so a server that lies about (or omits) the length
// is cut off once it passes the cap (BUNDLE_TOO_LARGE).
import { hash, randomBytes, type KeyObject } from 'node:crypto';
import { ApiError, isApiErrorBody } from '../../../shared/errors';
import { H_DEVICE, H_NONCE, H_SIGNATURE, H_TIMESTAMP, requestSigningBytes } from '../../../shared/sync/protocol';
import { signBase64 } from '../../../platform/ed25519';
import type { FetchFn } from '../../platform/device/signed-fetch';
import { BundleError, refuse } from '../../../shared/bundles/errors';
import type { BundleReader } from './source';

export const BUNDLES_PATH = '/v1/bundles';
const BUNDLE_NAME = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;
const META_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Waiting for a reply, and for each next chunk of a body (a stalled download is abandoned). */
export const HTTP_IDLE_TIMEOUT_MS = 30_000;
const MAX_RATE_LIMIT_RETRIES = 5;
const MAX_RETRY_WAIT_MS = 10_000;
const LIST_CAP = 4 * 1024 * 1024;

/** The enrolled device's request signer (the same shape sync-once and the admin client use). */
export interface DeviceSigner {
  deviceId: string;
  key: KeyObject;
  now: () => Date;
}

export interface HttpSourceOptions {
  /** Signs every request; without one the server refuses (401), except in tests of that refusal. */
  signer?: DeviceSigner | undefined;
  idleTimeoutMs?: number;
  /** Waits before retrying a 429 (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

/** What GET /v1/bundles lists: the version is unsigned advisory information. */
export interface ServerBundleEntry {
  name: string;
  version: string | null;
}

/** The device signature headers for one GET of `pathWithQuery` (as the server reads it: pathname + search). */
export function signedGetHeaders(signer: DeviceSigner, pathWithQuery: string, method = 'GET'): Record<string, string> {
  const timestamp = signer.now().toISOString();
  const nonce = randomBytes(18).toString('base64url');
  const bodySha256 = hash('sha256', '', 'hex');
  return {
    [H_DEVICE]: signer.deviceId,
    [H_TIMESTAMP]: timestamp,
    [H_NONCE]: nonce,
    [H_SIGNATURE]: signBase64(signer.key, requestSigningBytes({ method, path: pathWithQuery, timestamp, nonce, bodySha256 })),
  };
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Opened {
  res: Response;
  abort: () => void;
  /** Re-arms the idle timer; call after each chunk. */
  touch: () => void;
  done: () => void;
}

/**
 * One signed GET. Resolves with the response once its headers arrive; the idle timer keeps running
 * (re-armed per chunk by the caller) until done() or abort(). A 429 is retried after Retry-After.
 */
async function get(baseUrl: string, path: string, fetchFn: FetchFn, o: HttpSourceOptions): Promise<Opened> {
  const url = new URL(path, baseUrl);
  const idle = o.idleTimeoutMs ?? HTTP_IDLE_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    const ctrl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => ctrl.abort(new Error(`no data from the server for ${idle / 1000} s`)), idle);
      timer.unref?.();
    };
    const done = (): void => clearTimeout(timer);
    const abort = (): void => {
      done();
      ctrl.abort(new Error('closed'));
    };
    touch();
    const headers: Record<string, string> = o.signer ? signedGetHeaders(o.signer, url.pathname + url.search) : {};
    let res: Response;
    try {
      res = await fetchFn(url, { method: 'GET', headers, signal: ctrl.signal });
    } catch (e) {
      done();
      throw new ApiError('UNAVAILABLE', `The sync server is not reachable (${url.origin}): ${(e as Error).message}`, { reason: 'network' });
    }
    if (res.status === 429 && attempt < MAX_RATE_LIMIT_RETRIES) {
      abort();
      await res.body?.cancel().catch(() => {});
      const secs = Number(res.headers.get('retry-after'));
      await (o.sleep ?? defaultSleep)(Math.min(MAX_RETRY_WAIT_MS, Number.isFinite(secs) && secs > 0 ? secs * 1000 : 1000));
      continue;
    }
    return { res, abort, touch, done };
  }
}

/** A non-200 reply as an error: the server's own envelope when it sent one. */
async function httpFailure(o: Opened, what: string): Promise<never> {
  let body: unknown = null;
  try {
    const text = await o.res.text();
    body = text.length <= 64 * 1024 ? (JSON.parse(text) as unknown) : null;
  } catch {
    body = null;
  } finally {
    o.done();
  }
  const err = (body as { error?: unknown } | null)?.error;
  if (isApiErrorBody(err)) throw new ApiError(err.code, `${what}: ${err.message}`, err.details);
  throw new ApiError('UNAVAILABLE', `${what}: the sync server answered HTTP ${o.res.status}`, { reason: 'http', status: o.res.status });
}

function checkContentLength(o: Opened, cap: number, what: string, details: Record<string, unknown>): void {
  const raw = o.res.headers.get('content-length');
  if (raw === null) return;
  const n = Number(raw);
  if (/^\d+$/.test(raw.trim()) && n <= cap) return;
  o.abort();
  void o.res.body?.cancel().catch(() => {});
  refuse('BUNDLE_TOO_LARGE', `${what}: the server announces ${raw} bytes, more than the ${cap} allowed`, details);
}

/**
 * The body as chunks, counting bytes: past `cap` the download is aborted and BUNDLE_TOO_LARGE
 * thrown (the chunk that crosses the cap is not handed out). close() aborts the download.
 */
function capped(o: Opened, cap: number, what: string, details: Record<string, unknown>): AsyncIterable<Buffer> & { close(): void } {
  const body = o.res.body;
  let closed = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const close = (): void => {
    if (closed) return;
    closed = true;
    o.abort();
    void reader?.cancel().catch(() => {});
  };
  return {
    close,
    async *[Symbol.asyncIterator]() {
      if (!body) {
        o.done();
        return;
      }
      reader = body.getReader();
      let seen = 0;
      try {
        for (;;) {
          const r = await reader.read().catch((e: unknown) => {
            if (closed) return { done: true as const, value: undefined };
            throw new ApiError('UNAVAILABLE', `${what}: the download broke off after ${seen} bytes (${(e as Error).message})`, {
              reason: 'network',
              ...details,
            });
          });
          if (r.done) break;
          o.touch();
          seen += r.value.byteLength;
          if (seen > cap) refuse('BUNDLE_TOO_LARGE', `${what}: the server sent more than the ${cap} bytes allowed`, details);
          yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
        }
        o.done();
      } finally {
        // Early exit (break, a refusal, the caller stopping): stop the transfer.
        close();
      }
    },
  };
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

function safeTarget(p: string): boolean {
  return p.length > 0 && !p.startsWith('/') && !p.includes('\\') && !p.includes('\0') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** A BundleReader for bundle `name` on the sync server at `baseUrl` (label server:<name>). */
export function httpReader(baseUrl: string, name: string, fetchFn: FetchFn, opts: HttpSourceOptions = {}): BundleReader {
  if (!BUNDLE_NAME.test(name)) refuse('BUNDLE_PATH_UNSAFE', `Not a bundle name: ${JSON.stringify(name.slice(0, 80))}`, { path: name });
  const base = `${BUNDLES_PATH}/${name}`;
  return {
    label: `server:${name}`,

    async readMeta(file, cap) {
      if (!META_FILE.test(file) || file.includes('..'))
        refuse('BUNDLE_PATH_UNSAFE', `Not a metadata file name: ${JSON.stringify(file.slice(0, 80))}`, { path: file });
      const what = `${name}/metadata/${file}`;
      const o = await get(baseUrl, `${base}/metadata/${encodeURIComponent(file)}`, fetchFn, opts);
      if (o.res.status === 404) {
        o.done();
        await o.res.body?.cancel().catch(() => {});
        return null;
      }
      if (o.res.status !== 200) return httpFailure(o, what);
      checkContentLength(o, cap, what, { path: `metadata/${file}` });
      return collect(capped(o, cap, what, { path: `metadata/${file}` }));
    },

    async openTarget(path, expectedLength) {
      if (!safeTarget(path)) refuse('BUNDLE_PATH_UNSAFE', `Unsafe target path: ${JSON.stringify(path.slice(0, 200))}`, { path });
      const what = `${name}/targets/${path}`;
      const o = await get(baseUrl, `${base}/targets/${encodePath(path)}`, fetchFn, opts);
      if (o.res.status === 404) {
        o.done();
        await o.res.body?.cancel().catch(() => {});
        refuse('BUNDLE_MISSING_FILE', `${what}: the server does not have this file`, { path });
      }
      if (o.res.status !== 200) return httpFailure(o, what);
      // A declared length over the signed one is refused outright; streamed bytes may reach
      // expectedLength + 1 (so the verifier sees the file is too long) and are cut off after that.
      checkContentLength(o, expectedLength, what, { path, expectedLength });
      return capped(o, expectedLength + 1, what, { path, expectedLength });
    },

    listTargets: () => Promise.resolve(null),
  };
}

/** GET /v1/bundles: the bundles the server offers, with their unsigned advisory versions. */
export async function listServerBundles(baseUrl: string, fetchFn: FetchFn, opts: HttpSourceOptions = {}): Promise<ServerBundleEntry[]> {
  const what = 'bundle list';
  const o = await get(baseUrl, BUNDLES_PATH, fetchFn, opts);
  if (o.res.status !== 200) return httpFailure(o, what);
  checkContentLength(o, LIST_CAP, what, {});
  let body: unknown;
  try {
    body = JSON.parse((await collect(capped(o, LIST_CAP, what, {}))).toString('utf8'));
  } catch (e) {
    if (e instanceof BundleError || e instanceof ApiError) throw e;
    throw new ApiError('UNAVAILABLE', 'The sync server sent a bundle list this app does not understand', { reason: 'bad_reply' });
  }
  const list = (body as { bundles?: unknown } | null)?.bundles;
  if (!Array.isArray(list)) throw new ApiError('UNAVAILABLE', 'The sync server sent a bundle list this app does not understand', { reason: 'bad_reply' });
  const out: ServerBundleEntry[] = [];
  for (const e of list as unknown[]) {
    const n = (e as { name?: unknown } | null)?.name;
    const v = (e as { version?: unknown } | null)?.version;
    if (typeof n === 'string' && BUNDLE_NAME.test(n)) out.push({ name: n, version: typeof v === 'string' ? v : null });
  }
  return out;
}
