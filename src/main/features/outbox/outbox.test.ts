import { describe, expect, it } from 'vitest';
import { backoffDelayMs, BACKOFF } from './backoff';
import { idempotencyKey } from './index';
import { makeServices } from '../../platform/test-utils';
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
