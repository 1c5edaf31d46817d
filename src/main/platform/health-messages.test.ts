// Every Health check says itself twice: `summary` in English for logs and the CLI, and `messages`
// (codes and params under health.check.<id>.*) that the view renders in the reader's language.
import { describe, expect, it } from 'vitest';
import { createHealthRegistry } from './health';
import { makeServices } from './test-utils';
import { registerSyncHealth } from '../features/sync/health';
import { registerTeamHealth } from '../features/team/health';
import { registerInferenceHealth } from '../features/inference/health';
import { NO_TEXT_MODEL } from '../features/inference/reasons';
import type { OutboxState } from '../../shared/api/types';
import type { TeamStatus } from '../../shared/team/views';
import type { ModelSlotStatus } from '../../shared/memory/types';
import type { SyncConfig } from './device/sync-config';

const only = (register: (h: ReturnType<typeof createHealthRegistry>) => void) => {
  const h = createHealthRegistry();
  register(h);
  const [c] = h.run('2026-12-06T20:00:00.000Z').checks;
  return c!;
};

describe('health checks as messages', () => {
  it('db.store, audit.chain, bundles.sealed, sync.queue and team.sync of a fresh device', () => {
    const s = makeServices();
    const checks = () => new Map(s.health.run('now').checks.map((c) => [c.id, c]));
    let c = checks();
    const db = c.get('db.store')!;
    expect(db.messages).toEqual([{ code: 'health.check.db.store.healthy', params: { kib: (db.figures.sizeBytes as number) / 1024 } }]);
    expect(db.summary).toBe(`Database is healthy (${(db.figures.sizeBytes as number) / 1024} KiB).`);
    expect(c.get('audit.chain')!.messages).toEqual([{ code: 'health.check.audit.chain.unverified' }]);
    expect(c.get('bundles.sealed')).toMatchObject({
      summary: '3 bundles verified and active under root v1.',
      messages: [{ code: 'health.check.bundles.sealed.ok', params: { count: 3, root: '1' } }],
    });
    expect(c.get('sync.queue')).toMatchObject({
      summary: 'Not enrolled: 0 items wait in the outbox until this device is enrolled.',
      messages: [{ code: 'health.check.sync.queue.not_enrolled', params: { count: 0 } }],
    });
    expect(c.get('team.sync')!.messages).toEqual([{ code: 'health.check.team.sync.not_enrolled' }]);
    const verified = s.audit.verify();
    c = checks();
    expect(c.get('audit.chain')!.messages).toEqual([
      { code: 'health.check.audit.chain.consistent', params: { count: verified.checked, at: verified.verifiedAt } },
    ]);
    // Every check the view shows has its messages.
    for (const check of c.values()) expect(check.messages?.length, check.id).toBeGreaterThan(0);
    s.close();
  });

  it('bundles.sealed: each problem a message, each but the last marked to end in "; "', () => {
    const s = makeServices({ bare: true });
    const c = s.health.run('now').checks.find((x) => x.id === 'bundles.sealed')!;
    expect(c.summary).toBe('no trusted root: nothing can verify; no verified maestro.policy, maestro.workflows, maestro.contracts (fail closed)');
    expect(c.messages).toEqual([
      { code: 'health.check.bundles.sealed.no_root', params: { last: 'no' } },
      { code: 'health.check.bundles.sealed.missing', params: { names: 'maestro.policy, maestro.workflows, maestro.contracts', last: 'yes' } },
    ]);
    s.close();
  });

  it('sync.queue: held items, and the last sync time as a number for the view to write', () => {
    const counts = (c: Partial<Record<OutboxState, number>>) => ({ queued: 0, acked: 0, dead: 0, blocked: 0, discarded: 0, ...c });
    const held = only((h) => registerSyncHealth(h, { counts: () => counts({ dead: 1, blocked: 2 }) }, { config: () => null }));
    expect(held).toMatchObject({ status: 'warn', messages: [{ code: 'health.check.sync.queue.held', params: { dead: 1, blocked: 2 } }] });
    const cfg = { lastSyncAt: '2026-12-06T19:00:00.000Z' } as SyncConfig;
    const queued = only((h) => registerSyncHealth(h, { counts: () => counts({ queued: 4 }) }, { config: () => cfg }));
    expect(queued.messages).toEqual([{ code: 'health.check.sync.queue.queued', params: { count: 4, at: Date.parse(cfg.lastSyncAt!) } }]);
    const never = only((h) => registerSyncHealth(h, { counts: () => counts({ queued: 1 }) }, { config: () => ({ ...cfg, lastSyncAt: null }) }));
    expect(never).toMatchObject({
      summary: '1 item queued; never synced.',
      messages: [{ code: 'health.check.sync.queue.queued_never', params: { count: 1 } }],
    });
  });

  it('team.sync: a stopped pull keeps its reason as the cause; the status names the key case', () => {
    const base: TeamStatus = {
      enrolled: true,
      device: 'd1',
      certificate: { version: 2, roles: [], status: 'active', expiresAt: '2027-01-01T00:00:00Z', hasEncryptionKey: true },
      keys: { versions: [3], current: 3, waitingForKey: false, admin: false },
      pull: { cursor: 9, lastPullAt: '2026-12-06T19:00:00.000Z', lastServerTime: null, applied: 9, live: false, stopped: null },
      refused: 2,
      peers: 1,
    };
    const check = (st: TeamStatus) => only((h) => registerTeamHealth(h, { status: () => st }));
    expect(check(base)).toMatchObject({
      summary: 'Certificate v2, tenant key v3; last pull 2026-12-06T19:00:00.000Z; 2 refused items.',
      messages: [
        {
          code: 'health.check.team.sync.status',
          params: { certificate: '2', keys: 'current', key: '3', lastPull: '2026-12-06T19:00:00.000Z', refused: 2 },
        },
      ],
    });
    const waiting = check({ ...base, certificate: null, keys: { ...base.keys, current: null, waitingForKey: true }, pull: { ...base.pull, lastPullAt: null } });
    expect(waiting.messages![0]!.params).toMatchObject({ certificate: '?', keys: 'waiting', lastPull: 'never' });
    const stopped = check({ ...base, pull: { ...base.pull, stopped: { seq: 41, code: 'KEY_MISSING', message: 'no tenant key v4', at: 'x' } } });
    expect(stopped.messages).toEqual([{ code: 'health.check.team.sync.stopped', params: { seq: '41', code: 'KEY_MISSING', cause: 'no tenant key v4' } }]);
    const revoked = check({ ...base, certificate: { ...base.certificate!, status: 'revoked' } });
    expect(revoked.messages).toEqual([{ code: 'health.check.team.sync.revoked' }]);
  });

  it('inference.models: each slot, then why the text slot is on its fallback (the models.* code as the cause)', () => {
    const slot = (x: Partial<ModelSlotStatus>): ModelSlotStatus => ({
      arm: 'fallback',
      id: 'extractive@1',
      state: 'none',
      backend: null,
      device: null,
      vramBytes: null,
      offloadedLayers: null,
      tokensPerSecond: null,
      fallbackReason: null,
      fallbackWhy: null,
      loadProgress: null,
      ...x,
    });
    const text = slot({ ...NO_TEXT_MODEL });
    const embedding = slot({ id: 'hashed-ngram@1', state: 'ready', backend: 'cpu' });
    const c = only((h) => registerInferenceHealth(h, { status: () => ({ text, embedding }) }));
    expect(c.summary).toBe('Text: fallback extractive@1 (none); embeddings: fallback hashed-ngram@1 (ready, cpu). no verified text model bundle is installed.');
    expect(c.messages).toEqual([
      {
        code: 'health.check.inference.models.slot',
        params: { slot: 'text', arm: 'fallback', id: 'extractive@1', state: 'none', backend: 'none', device: 'none', layers: 'none' },
      },
      {
        code: 'health.check.inference.models.slot',
        params: { slot: 'embedding', arm: 'fallback', id: 'hashed-ngram@1', state: 'ready', backend: 'cpu', device: 'none', layers: 'none' },
      },
      { code: 'health.check.inference.models.reason', params: { causeCode: 'models.fallback.no_text_model' } },
    ]);
    const gpu = slot({ arm: 'model', id: 'qwen@1', state: 'ready', backend: 'cuda', device: 'H100', offloadedLayers: 25 });
    const g = only((h) => registerInferenceHealth(h, { status: () => ({ text: gpu, embedding }) }));
    expect(g.messages).toHaveLength(2);
    expect(g.messages![0]!.params).toMatchObject({ arm: 'model', backend: 'cuda', device: 'H100', layers: 25 });
  });

  it('a check that throws is an error whose message carries the thrown text', () => {
    const c = only((h) =>
      h.register('x.broken', () => {
        throw new Error('database is locked');
      }),
    );
    expect(c).toMatchObject({
      status: 'error',
      summary: 'Check failed: database is locked',
      messages: [{ code: 'health.check.failed', params: { error: 'database is locked' } }],
    });
  });
});
