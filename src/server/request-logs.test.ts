// Every log line of a scripted run, grepped: each request line carries a request id and trace
// context, a device's traceparent keeps its trace id (in the log and in the reply), deeper lines of
// a request carry the same ids, and no user name, token, plaintext or ciphertext appears anywhere.
import { describe, expect, it } from 'vitest';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from '../platform/trace-context';
import type { EnrollmentTokenResponse } from '../shared/server-api';
import { sqliteBackend } from './testing/backends';
import { makeItem, signedHeaders } from './testing/device-client';
import { createHarness } from './testing/harness';

const USER = 'Zebulon Quartermaine-Okonkwo';
const INVITED = 'Philippa Vandersloot';
const PLAINTEXT = 'PLAINTEXT-MARKER patient has fever 39.4';

describe('request logs', () => {
  it('carry request ids and the caller trace, and never a user name, token, plaintext or ciphertext', async () => {
    const lines: string[] = [];
    const db = await sqliteBackend.open();
    const h = await createHarness(db, { logSink: (l) => lines.push(l) });
    try {
      const admin = await h.enroll({ role: 'admin', user: USER });
      const field = await h.enroll({ user: USER });

      // An admin makes a token for someone: the reply carries it, the log must not.
      const tokenBody = JSON.stringify({ tenant: 'acme', user: INVITED, role: 'field' });
      const tokenRes = await h.signed(admin, 'POST', '/v1/admin/enrollment-tokens', tokenBody);
      expect(tokenRes.status).toBe(200);
      const { token } = (await tokenRes.json()) as EnrollmentTokenResponse;
      expect(token).toMatch(/^mst_/);

      // A batch whose "ciphertext" is the plaintext marker, sent with the device's traceparent and request id.
      const item = makeItem({ bytes: Buffer.from(PLAINTEXT, 'utf8') });
      const body = JSON.stringify({ device: field.id, appVersion: '1.0.0', items: [item] });
      const traceId = newTraceId();
      const deviceSpan = newSpanId();
      const reqId = 'req-0123456789abcdef';
      const res = await h.app.request('/v1/sync/batch', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: formatTraceparent(traceId, deviceSpan),
          'x-request-id': reqId,
          ...signedHeaders(field, 'POST', '/v1/sync/batch', body, h.now()),
        },
        body,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(reqId);
      const answered = parseTraceparent(res.headers.get('traceparent'));
      expect(answered).toMatchObject({ traceId, flags: '01' });
      expect(answered!.parentId).not.toBe(deviceSpan);

      // A malformed traceparent and request id: a new trace and a new id, both echoed.
      const odd = await h.app.request('/healthz?user=Zebulon', { headers: { traceparent: `00-${'0'.repeat(32)}-${deviceSpan}-01`, 'x-request-id': 'x y' } });
      const oddTrace = parseTraceparent(odd.headers.get('traceparent'));
      expect(oddTrace).not.toBeNull();
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

      // An unauthenticated pull (401) and the enroll of the invited token, which carry secrets in the request.
      expect((await h.app.request('/v1/sync/changes?since=0', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      const enrollRes = await h.app.request('/v1/enroll', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, publicKey: 'AAAA' }),
      });
      expect(enrollRes.status).toBe(400);

      // A failure deep in a handler: its error line carries the request's ids too.
      const storage = h.db.storage;
      const pullFeed = storage.pullFeed.bind(storage);
      storage.pullFeed = () => Promise.reject(new Error('storage exploded'));
      const boom = await h.app.request('/v1/sync/changes?since=0', {
        headers: { 'x-request-id': 'boom-request-0001', ...signedHeaders(field, 'GET', '/v1/sync/changes?since=0', '', h.now()) },
      });
      storage.pullFeed = pullFeed;
      expect(boom.status).toBe(500);

      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const requests = records.filter((r) => r.msg === 'request');
      expect(requests.length).toBeGreaterThanOrEqual(7);
      for (const r of records) {
        expect(r.reqId, JSON.stringify(r)).toEqual(expect.stringMatching(/^[A-Za-z0-9-]{8,64}$/));
        expect(r.traceId, JSON.stringify(r)).toEqual(expect.stringMatching(/^[0-9a-f]{32}$/));
        expect(r.spanId, JSON.stringify(r)).toEqual(expect.stringMatching(/^[0-9a-f]{16}$/));
        expect(r).not.toHaveProperty('path');
      }
      const batchLine = requests.find((r) => r.reqId === reqId)!;
      expect(batchLine).toMatchObject({
        route: '/v1/sync/batch',
        status: 200,
        traceId,
        parentSpanId: deviceSpan,
        spanId: answered!.parentId,
        deviceId: field.id,
      });
      expect(requests.find((r) => r.route === '/healthz')).toMatchObject({ traceId: oddTrace!.traceId });
      const boomLines = records.filter((r) => r.reqId === 'boom-request-0001');
      expect(boomLines.map((r) => r.msg).sort()).toEqual(['request', 'unhandled error']);
      expect(new Set(boomLines.map((r) => r.traceId)).size).toBe(1);

      const all = lines.join('\n');
      const ciphertext = item.ciphertext;
      for (const secret of [
        USER,
        'Zebulon',
        INVITED,
        token,
        'mst_',
        PLAINTEXT,
        'PLAINTEXT-MARKER',
        ciphertext.slice(0, 16),
        ciphertext.slice(-16),
        item.iv,
        '?',
        'since=',
      ]) {
        expect(all, secret).not.toContain(secret);
      }
    } finally {
      await h.serverKey.close();
      await db.dispose();
    }
  });
});
