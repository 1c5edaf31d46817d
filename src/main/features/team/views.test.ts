// The team lists over the API: newest first across this device's and pulled items, keyset pages,
// and a cursor the list did not hand out refused as a validation error.
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../app/dispatch';
import { makeServices, tempDir } from '../../platform/test-utils';

describe('team lists', () => {
  it('page with the cursor they return and refuse one they did not', async () => {
    const s = makeServices({ dataDir: tempDir() });
    s.profile.setup({ name: 'Rita', tenant: 'acme' });
    const d = createDispatcher(s);
    const ins = s.db.prepare(
      `INSERT INTO team_cards (device, card_id, user, run_id, created_at, lane, status, body, seq, received_at) VALUES ('dev_f', ?, 'ada@acme', 'run_1', ?, 'RED', 'allowed', ?, ?, ?)`,
    );
    const card = (i: number) => ({ id: `card_${i}`, runId: 'run_1', createdAt: `2026-11-2${i}T00:00:00.000Z`, lane: 'RED', status: 'allowed' });
    for (let i = 1; i <= 3; i++) ins.run(`card_${i}`, card(i).createdAt, JSON.stringify(card(i)), i, card(i).createdAt);
    const first = s.team.cards({ limit: 2 });
    expect(first.items.map((c) => c.card.id)).toEqual(['card_3', 'card_2']);
    expect(s.team.cards({ limit: 2, before: first.nextBefore! }).items.map((c) => c.card.id)).toEqual(['card_1']);
    for (const before of ['not-a-cursor', Buffer.from('[1,2]').toString('base64url')]) {
      expect(await d('cards.list', { scope: 'tenant', before })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_ERROR', details: { reason: 'cursor' } },
      });
      expect(await d('runs.list', { scope: 'tenant', before })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_ERROR', details: { reason: 'cursor' } },
      });
    }
    s.close();
  });

  it('are the cards and runs channels with scope tenant; each scope takes only its own fields', async () => {
    const s = makeServices({ dataDir: tempDir() });
    s.profile.setup({ name: 'Rita', tenant: 'acme' });
    const d = createDispatcher(s);
    for (const ch of ['team.cards', 'team.runs', 'team.run', 'team.decide'])
      expect(await d(ch as 'team.status', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await d('cards.list', {})).toEqual({ ok: true, data: { scope: 'device', cards: [], nextCursor: null } });
    expect(await d('cards.list', { scope: 'tenant' })).toEqual({ ok: true, data: { scope: 'tenant', items: [], nextBefore: null, asOf: null } });
    expect(await d('runs.list', { scope: 'device' })).toEqual({ ok: true, data: { scope: 'device', runs: [], nextBeforeId: null } });
    expect(await d('runs.list', { scope: 'tenant' })).toEqual({ ok: true, data: { scope: 'tenant', items: [], nextBefore: null, asOf: null } });
    const refused = [
      ['cards.list', { scope: 'tenant', cursor: 'abc' }],
      ['cards.list', { scope: 'device', device: 'dev_f' }],
      ['cards.list', { scope: 'team' }],
      ['runs.list', { scope: 'tenant', beforeId: 'run_1' }],
      ['runs.get', { scope: 'tenant', id: 'run_1' }],
      ['runs.get', { device: 'dev_f', runId: 'run_1' }],
      ['runs.decide', { scope: 'tenant', device: 'dev_f', runId: 'run_1', decision: 'approve', comment: 'fine', confirm: true }],
    ] as const;
    for (const [ch, req] of refused) expect(await d(ch, req as never)).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(await d('runs.get', { scope: 'tenant', device: 'dev_f', runId: 'run_1' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    s.close();
  });
  it("find pulled cards by their run's record (the shared context's title fields, else the run's title), and hand out the shared context", async () => {
    const s = makeServices({ dataDir: tempDir() });
    s.profile.setup({ name: 'Rita', tenant: 'acme' });
    const d = createDispatcher(s);
    const card = (id: string, runId: string) => ({ id, runId, createdAt: '2026-11-20T00:00:00.000Z', lane: 'RED', status: 'awaiting_approval', subject: 'x' });
    const insCard = s.db.prepare(
      `INSERT INTO team_cards (device, card_id, user, run_id, created_at, lane, status, body, seq, received_at) VALUES ('dev_f', ?, 'ada@acme', ?, '2026-11-20T00:00:00.000Z', 'RED', 'awaiting_approval', ?, 1, 't')`,
    );
    const insRun = s.db.prepare(
      `INSERT INTO team_runs (device, run_id, user, status, awaiting_card, updated_at, created_at, body, seq, received_at, context) VALUES ('dev_f', ?, 'ada@acme', 'awaiting_approval', NULL, 't', 't', ?, 1, 't', ?)`,
    );
    insCard.run('card_a', 'run_a', JSON.stringify(card('card_a', 'run_a')));
    insCard.run('card_b', 'run_b', JSON.stringify(card('card_b', 'run_b')));
    const context = {
      runId: 'run_a',
      workflowTitle: 'Site inspection report',
      contract: 'field.submit.report@1.0.0',
      contractTitle: 'Inspection report submission',
      title: 'Site inspection report · RPT-2026-103',
      identifier: 'RPT-2026-103',
      fields: [{ path: '/reportId', label: 'Report ID', value: 'RPT-2026-103', red: false, why: null }],
      lane: 'RED',
      otherReasons: [],
      ai: null,
      outcome: { approve: 'The run goes on.', reject: 'The run stops.' },
      search: 'RPT-2026-103 PS-11 unsafe',
    };
    insRun.run('run_a', JSON.stringify({ id: 'run_a', title: 'Site inspection report' }), JSON.stringify(context));
    // A snapshot from an older device: no context, but a title that names the report.
    insRun.run('run_b', JSON.stringify({ id: 'run_b', title: 'Site inspection report · RPT-2026-104' }), null);
    const found = (q: string) => s.team.cards({ q }).items.map((c) => c.card.id);
    expect(found('RPT-2026-103')).toEqual(['card_a']);
    expect(found('ps-11')).toEqual(['card_a']);
    expect(found('RPT-2026-104')).toEqual(['card_b']);
    expect(found('RPT-2026-1%')).toEqual([]);
    expect(await d('runs.context', { scope: 'tenant', device: 'dev_f', runId: 'run_a' })).toEqual({ ok: true, data: { context } });
    expect(await d('runs.context', { scope: 'tenant', device: 'dev_f', runId: 'run_b' })).toEqual({ ok: true, data: { context: null } });
    expect(await d('runs.context', { scope: 'tenant', device: 'dev_f', runId: 'run_c' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await d('runs.context', { runId: 'run_missing' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    s.close();
  });

  it('team.directory names this device and the devices whose runs it pulled (decision 0025)', async () => {
    const s = makeServices({ dataDir: tempDir() });
    const me = s.profile.setup({ name: 'Rita', tenant: 'acme' });
    const d = createDispatcher(s);
    const run = (id: string, startedBy: string) =>
      JSON.stringify({ id, startedBy, createdAt: '2026-11-20T00:00:00.000Z', updatedAt: '2026-11-20T00:00:00.000Z' });
    const ins = s.db.prepare(
      `INSERT INTO team_runs (device, run_id, user, status, awaiting_card, updated_at, created_at, body, seq, received_at) VALUES (?, ?, 'ada@acme', 'running', NULL, ?, ?, ?, ?, ?)`,
    );
    const at = '2026-11-20T00:00:00.000Z';
    ins.run('dev_f', 'run_1', at, at, run('run_1', 'prof_ada'), 1, at);
    ins.run('dev_f', 'run_2', at, at, run('run_2', 'prof_ada'), 2, at);
    ins.run('dev_g', 'run_3', at, at, '{not json', 3, at);
    expect(await d('team.directory', {})).toMatchObject({ ok: true, data: { people: expect.any(Array) } });
    const people = s.team.directory().people;
    expect(people).toContainEqual({ device: 'dev_f', name: null, user: 'ada@acme', profiles: ['prof_ada'], local: false });
    expect(people).toContainEqual({ device: me.deviceId, name: 'Rita', user: null, profiles: [me.id], local: true });
    expect(people.find((p) => p.device === 'dev_g')).toBeUndefined(); // a body that is not JSON names no one
    s.close();
  });
});
