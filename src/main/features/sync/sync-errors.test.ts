// Sync errors are stored as codes (decision 0030): the sync status's last error and each outbox item's,
// end to end through the real sync-server app in this process, with faults put between the two.
// A row written before holds a plain sentence, and still reads as that sentence.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolledDevice } from './testing';
import type { Services } from '../../app/services';
import { sqliteBackend, type TestDb } from '../../../server/testing/backends';
import { createHarness, type Harness } from '../../../server/testing/harness';

const SITE = 'field.inspect.site@1.2.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2025-02-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });

type Fault = 'network' | { status: number; body: unknown } | { rewrite: (body: Record<string, unknown>) => Record<string, unknown> } | null;

let db: TestDb;
let h: Harness;
let s: Services;
/** The fault the next sync-batch exchanges meet (null: the server answers). */
let fault: Fault;

beforeEach(async () => {
  db = await sqliteBackend.open();
  h = await createHarness(db);
  fault = null;
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    if (String(input).includes('/v1/sync/batch') && fault !== null) {
      if (fault === 'network') throw new TypeError('fetch failed');
      if ('rewrite' in fault) {
        const res = await h.app.fetch(new Request(input, init));
        const body = fault.rewrite((await res.json()) as Record<string, unknown>);
        return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
      }
      return new Response(JSON.stringify(fault.body), { status: fault.status, headers: { 'content-type': 'application/json' } });
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
const lastError = async () => (await s.sync.status()).lastError;

describe('sync errors as codes', () => {
  it('offline: the status says the server cannot be reached, the item waits with a code, no attempt burned', async () => {
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(1) });
    fault = 'network';
    expect(await s.sync.syncNow()).toMatchObject({ phase: 'offline' });
    expect(await lastError()).toEqual({
      code: 'errors.sync.unreachable',
      params: { detail: expect.stringMatching(/^cannot reach http:\/\/sync\.test\//) as string },
    });
    expect(item(outboxId)).toMatchObject({ state: 'queued', attempts: 0, lastError: { code: 'errors.sync.server_unreachable' } });
    fault = null;
    expect(await s.sync.syncNow()).toMatchObject({ acked: 1, phase: 'idle' });
    expect(await lastError()).toBeNull();
    expect(item(outboxId)).toMatchObject({ state: 'acked', lastError: null });
  });

  it('rate limited, a server error and a malformed reply each leave their code', async () => {
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(2) });
    fault = {
      status: 429,
      body: { ok: false, error: { code: 'RATE_LIMITED', message: 'Too many requests from this device', details: { retryAfterMs: 900 } } },
    };
    await s.sync.syncNow();
    expect(await lastError()).toEqual({ code: 'errors.sync.rate_limited' });
    fault = { status: 500, body: { ok: false, error: { code: 'INTERNAL', message: 'Internal error' } } };
    await s.sync.syncNow({ force: true });
    expect(await lastError()).toEqual({ code: 'errors.sync.http', params: { status: 500 } });
    expect(item(outboxId)).toMatchObject({ state: 'queued', attempts: 1, lastError: { code: 'errors.sync.http', params: { status: 500 } } });
    fault = { status: 200, body: { nonsense: true } };
    await s.sync.syncNow({ force: true });
    expect(item(outboxId)).toMatchObject({ attempts: 2, lastError: { code: 'errors.sync.malformed_reply' } });
    // The raw column holds the message as JSON, so logs and support tools read the code.
    expect(JSON.parse(s.outbox.row(outboxId).last_error!) as unknown).toEqual({ code: 'errors.sync.malformed_reply' });
  });

  it('a device the server refuses: the refusal with the server’s error code and reason as its cause', async () => {
    s.capture.submit({ contract: SITE, data: site(3) });
    fault = { status: 401, body: { ok: false, error: { code: 'UNAUTHORIZED', message: 'Device has been revoked', details: { reason: 'revoked_device' } } } };
    expect(await s.sync.syncNow()).toMatchObject({ phase: 'error' });
    expect(await lastError()).toEqual({
      code: 'errors.sync.device_refused',
      params: { causeCode: 'errors.UNAUTHORIZED.revoked_device', cause_reason: 'revoked_device', cause_message: 'Device has been revoked' },
    });
    // The alert and the log keep a readable line; the alert's code stays the same.
    expect((await s.sync.status()).alerts.map((a) => a.code)).toContain('SYNC_REFUSED');
  });

  it('an item the server rejects for good is dead with the server’s code and reason; a missing result has its own code', async () => {
    const { outboxId: rejected } = s.capture.submit({ contract: SITE, data: site(4) });
    const { outboxId: unanswered } = s.capture.submit({ contract: SITE, data: site(5) });
    const key = (id: string) => s.outbox.row(id).idempotency_key;
    fault = {
      rewrite: (body) => {
        const results = (body.results as { idempotencyKey: string }[]).filter((r) => r.idempotencyKey !== key(unanswered));
        return {
          ...body,
          results: results.map((r) =>
            r.idempotencyKey === key(rejected)
              ? {
                  idempotencyKey: r.idempotencyKey,
                  status: 'rejected',
                  error: { code: 'VALIDATION_ERROR', message: 'contentHash is not the SHA-256 of the ciphertext bytes', details: { reason: 'content_hash' } },
                }
              : r,
          ),
        };
      },
    };
    await s.sync.syncNow();
    expect(item(rejected)).toMatchObject({
      state: 'dead',
      lastError: {
        code: 'errors.VALIDATION_ERROR.content_hash',
        params: { reason: 'content_hash', message: 'contentHash is not the SHA-256 of the ciphertext bytes' },
      },
    });
    expect(item(unanswered)).toMatchObject({ state: 'queued', attempts: 1, lastError: { code: 'errors.sync.no_result' } });
  });

  it('a row written before codes still reads as its plain sentence', () => {
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(6) });
    s.db.prepare('UPDATE outbox SET last_error = ? WHERE id = ?').run('server unreachable', outboxId);
    expect(item(outboxId).lastError).toBe('server unreachable');
    s.db.prepare('UPDATE outbox SET last_error = ? WHERE id = ?').run('{not json', outboxId);
    expect(item(outboxId).lastError).toBe('{not json');
  });
});
