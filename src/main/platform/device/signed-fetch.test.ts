// The device sends a W3C traceparent with each request: the signer's trace id (one per sync run or
// pull), a new span per request; without a signer (enrollment) a new trace.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseTraceparent } from '../../../platform/trace-context';
import { sendBytes, sendJson, type BytesTransport, type FetchFn } from './signed-fetch';

const key = generateKeyPairSync('ed25519').privateKey;
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const signer = { deviceId: 'dev-1', key, now: () => new Date('2025-03-01T12:00:00Z'), traceId };

describe('traceparent on device requests', () => {
  it('sendJson and sendBytes carry the signer trace id with a new span each time', async () => {
    const seen: string[] = [];
    const fetchFn: FetchFn = (_url, init) => {
      seen.push(new Headers(init?.headers).get('traceparent') ?? '');
      return Promise.resolve(new Response('{}', { status: 200 }));
    };
    const transport: BytesTransport = (_url, init) => {
      seen.push(init.headers.traceparent ?? '');
      return Promise.resolve({ status: 200, contentType: 'application/json', bytes: Buffer.from('{}') });
    };
    await sendJson(fetchFn, 'http://127.0.0.1:1', 'POST', '/v1/sync/batch', { a: 1 }, signer);
    await sendJson(fetchFn, 'http://127.0.0.1:1', 'GET', '/v1/sync/changes', undefined, signer);
    await sendBytes(transport, 'http://127.0.0.1:1', 'PUT', '/v1/attachments/x/chunks/0', Buffer.from('x'), signer);
    const parsed = seen.map((h) => parseTraceparent(h));
    expect(parsed.map((p) => p?.traceId)).toEqual([traceId, traceId, traceId]);
    expect(new Set(parsed.map((p) => p?.parentId)).size).toBe(3);

    await sendJson(fetchFn, 'http://127.0.0.1:1', 'POST', '/v1/enroll', { token: 't' });
    const fresh = parseTraceparent(seen[3]);
    expect(fresh).not.toBeNull();
    expect(fresh!.traceId).not.toBe(traceId);
  });
});
