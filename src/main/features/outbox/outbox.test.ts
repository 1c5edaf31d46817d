import { describe, expect, it } from 'vitest';
import { backoffDelayMs, BACKOFF } from './backoff';
import { idempotencyKey } from './index';
import { join } from 'node:path';
import { makeServices, tempDir } from '../../platform/test-utils';
import { openDatabase, type Db } from '../../platform/db/connection';
import { msg } from '../../../shared/messages';

describe('backoff', () => {
  it('is full jitter under an exponential, capped ceiling', () => {
    expect(backoffDelayMs(1, () => 0.999999)).toBe(BACKOFF.baseMs - 1);
    expect(backoffDelayMs(3, () => 0.5)).toBe(BACKOFF.baseMs * 2);
    expect(backoffDelayMs(30, () => 0.999999)).toBeLessThan(BACKOFF.capMs);
    expect(backoffDelayMs(5, () => 0)).toBe(0);
  });
});

describe('outbox', () => {
  it('idempotency keys depend on tenant, device and item only', () => {
    expect(idempotencyKey('t', 'd', 'i')).toBe(idempotencyKey('t', 'd', 'i'));
    expect(idempotencyKey('t', 'd', 'i')).not.toBe(idempotencyKey('t2', 'd', 'i'));
    expect(idempotencyKey('t', 'd', 'i')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('dead-letters after the attempt limit, then retry and confirmed discard are audited', () => {
    const s = makeServices();
    s.profile.setup({ name: 'A', tenant: 'acme' });
    const { outboxId: id } = s.capture.submit({
      contract: 'lab.record.specimen@2.0.1',
      data: {
        specimenId: 'SP-2026-0001',
        collectedAt: '2026-11-02',
        taxon: 'Daphnia magna',
        site: { lat: 1, lon: 2 },
        collector: { name: 'A' },
        preservation: 'ethanol-70',
      },
    });
    const http500 = msg('errors.sync.http', { status: 500 });
    for (let i = 1; i < BACKOFF.maxAttempts; i++) expect(s.outbox.markFailed(id, http500)).toBe('queued');
    expect(s.outbox.markFailed(id, http500)).toBe('dead');
    // Stored as a code with params (the UI says it in words), and so in the dead-letter audit entry.
    expect(s.outbox.row(id)).toMatchObject({ state: 'dead', attempts: BACKOFF.maxAttempts, last_error: JSON.stringify(http500) });
    expect(s.outbox.list({ limit: 50 }).find((i) => i.id === id)!.lastError).toEqual({ code: 'errors.sync.http', params: { status: 500 } });
    const dead = s.audit.list({ limit: 5 }).entries.find((e) => e.action === 'outbox.dead_lettered')!;
    expect(dead.payload).toMatchObject({ reason: { code: 'errors.sync.http', params: { status: 500 } } });
    expect(s.outbox.retry(id, 'user:x')).toMatchObject({ state: 'queued', attempts: 0 });
    s.outbox.markFailed(id, msg('errors.IDEMPOTENCY_CONFLICT.other_device', { message: 'Another device stored an item under this idempotency key' }), true);
    expect(s.outbox.list({ limit: 50 }).find((i) => i.id === id)!.lastError).toMatchObject({ code: 'errors.IDEMPOTENCY_CONFLICT.other_device' });
    expect(s.outbox.discard(id, 'user:x', 'duplicate of an earlier capture')).toMatchObject({ state: 'discarded' });
    const actions = s.audit.list({ limit: 10 }).entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['outbox.dead_lettered', 'outbox.retried', 'outbox.discarded']));
    expect(() => s.outbox.discard(id, 'user:x', 'again')).toThrow(/only dead or blocked/);
  });
});

describe('outbox: counts per state (outbox_state_counts, migration 019)', () => {
  const groupBy = (db: Db) =>
    Object.fromEntries(
      (db.prepare('SELECT state, count(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]),
    );
  const nonZero = (c: Record<string, number>) => Object.fromEntries(Object.entries(c).filter(([, n]) => n !== 0));

  it('stay equal to a count of the rows through inserts, state changes, no-op updates, deletes and a rolled-back transaction', () => {
    const s = makeServices();
    s.profile.setup({ name: 'A', tenant: 'acme' });
    const ids = Array.from({ length: 6 }, (_, i) => s.capture.submit({ contract: 'lab.record.specimen@2.0.1', data: specimen(i) }).outboxId);
    expect(s.outbox.counts()).toEqual({ queued: 6, acked: 0, dead: 0, blocked: 0, discarded: 0 });
    const http500 = msg('errors.sync.http', { status: 500 });
    for (let i = 0; i < BACKOFF.maxAttempts; i++) s.outbox.markFailed(ids[0]!, http500);
    for (let i = 0; i < BACKOFF.maxAttempts; i++) s.outbox.markFailed(ids[1]!, http500);
    s.outbox.discard(ids[1]!, 'user:x', 'duplicate');
    s.db.prepare("UPDATE outbox SET state = 'blocked' WHERE id = ?").run(ids[2]);
    s.db.prepare("UPDATE outbox SET state = 'blocked' WHERE id = ?").run(ids[2]); // no change of state
    s.db.prepare("UPDATE outbox SET last_error = 'x' WHERE id = ?").run(ids[3]); // not the state
    expect(nonZero(s.outbox.counts())).toEqual(groupBy(s.db));
    expect(s.outbox.counts()).toMatchObject({ queued: 3, dead: 1, discarded: 1, blocked: 1 });
    expect(() =>
      s.db.transaction(() => {
        s.db.prepare("UPDATE outbox SET state = 'acked' WHERE state = 'queued'").run();
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(s.outbox.counts()).toMatchObject({ queued: 3, acked: 0 });
    s.db.prepare('DELETE FROM outbox WHERE id = ?').run(ids[4]);
    expect(nonZero(s.outbox.counts())).toEqual(groupBy(s.db));
    expect(s.outbox.counts().queued).toBe(2);
  });

  it('an upgraded version-18 profile starts with the counts of the rows it holds', () => {
    const path = join(tempDir(), 'm18.db');
    const db18 = openDatabase(path, { targetVersion: 18 });
    const ins = db18.prepare(
      `INSERT INTO outbox (id, idempotency_key, record_id, kind, contract, tenant, created_at, state, next_attempt_at)
       VALUES (?, ?, NULL, 'record', 'c@1.0.0', 't', '2026-01-01T00:00:00Z', ?, '2026-01-01T00:00:00Z')`,
    );
    ['queued', 'queued', 'acked', 'dead'].forEach((st, i) => ins.run(`o${i}`, `k${i}`, st));
    db18.close();
    const db = openDatabase(path);
    expect(groupBy(db)).toEqual({ queued: 2, acked: 1, dead: 1 });
    expect(
      Object.fromEntries((db.prepare('SELECT state, n FROM outbox_state_counts').all() as { state: string; n: number }[]).map((r) => [r.state, r.n])),
    ).toEqual({
      queued: 2,
      acked: 1,
      dead: 1,
    });
    db.prepare("UPDATE outbox SET state = 'acked' WHERE id = 'o0'").run();
    expect(groupBy(db)).toEqual({ queued: 1, acked: 2, dead: 1 });
    db.close();
  });
});

const specimen = (i: number) => ({
  specimenId: `SP-2026-${String(i).padStart(4, '0')}`,
  collectedAt: '2026-11-02',
  taxon: 'Daphnia magna',
  site: { lat: 1, lon: 2 },
  collector: { name: 'A' },
  preservation: 'ethanol-70',
});
