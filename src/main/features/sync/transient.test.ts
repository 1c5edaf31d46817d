// A 502/503/504 from the sync server (a load balancer with no instance to route to, an instance
// draining on shutdown) is the server being away, not an answer about the items: they wait as if
// offline, no attempt is burned, so no restart or deploy can dead-letter anything; a short
// Retry-After is waited out within the run. End to end through the real sync-server app.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolledDevice } from './testing';
import type { Services } from '../../app/services';
import { sqliteBackend, type TestDb } from '../../../server/testing/backends';
import { createHarness, type Harness } from '../../../server/testing/harness';

const SITE = 'field.inspect.site@1.2.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2025-02-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });

let db: TestDb;
let h: Harness;
let s: Services;
/** What the next sync-batch exchanges meet: these answers in turn, then the real server. */
let faults: { status: number; retryAfter?: string }[];
let batchCalls: number;

beforeEach(async () => {
  db = await sqliteBackend.open();
  h = await createHarness(db);
  faults = [];
  batchCalls = 0;
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    if (String(input).includes('/v1/sync/batch')) {
      batchCalls += 1;
      const f = faults.shift();
      if (f) {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...(f.retryAfter ? { 'retry-after': f.retryAfter } : {}) };
        return new Response(JSON.stringify({ ok: false, error: { code: 'UNAVAILABLE', message: 'draining', details: { reason: 'draining' } } }), {
          status: f.status,
          headers,
        });
      }
    }
    return h.app.fetch(new Request(input, init));
  }) as typeof fetch;
  s = await enrolledDevice(h, db, fetchFn);
});

afterEach(async () => {
  s.close();
  await h.serverKey.close();
  await db.dispose();
});

const item = (id: string) => s.outbox.list({ limit: 50 }).find((i) => i.id === id)!;

describe('sync: 502/503/504 are transient', () => {
  it('a 503 with a short Retry-After is waited out and the same items go again in the same run', async () => {
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(1) });
    faults = [{ status: 503, retryAfter: '1' }];
    const t0 = Date.now();
    expect(await s.sync.syncNow()).toMatchObject({ acked: 1, phase: 'idle' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(batchCalls).toBeGreaterThanOrEqual(2); // the refused one, its retry (and any anchor round after)
    expect(item(outboxId)).toMatchObject({ state: 'acked', attempts: 0 });
  });

  it('502, 503 and 504 without end burn no attempt and dead-letter nothing; the items go once the server is back', async () => {
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(2) });
    for (let run = 0; run < 12; run++) {
      const status = [502, 503, 504][run % 3]!;
      faults = [{ status }];
      expect(await s.sync.syncNow({ force: true })).toMatchObject({ phase: 'offline' });
      expect((await s.sync.status()).lastError).toEqual({ code: 'errors.sync.http', params: { status } });
      expect(item(outboxId)).toMatchObject({ state: 'queued', attempts: 0, lastError: { code: 'errors.sync.http', params: { status } } });
    }
    // A long Retry-After is not waited out in the run: the next tick tries again.
    faults = [{ status: 503, retryAfter: '120' }];
    await s.sync.syncNow({ force: true });
    expect(batchCalls).toBe(13);
    expect(item(outboxId)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await s.sync.syncNow({ force: true })).toMatchObject({ acked: 1, phase: 'idle' });
    expect(item(outboxId)).toMatchObject({ state: 'acked', attempts: 0 });
  });

  it('a 500 is still an error of the exchange: one attempt burned', async () => {
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(3) });
    faults = [{ status: 500 }];
    await s.sync.syncNow();
    expect(item(outboxId)).toMatchObject({ state: 'queued', attempts: 1 });
  });
});
