// The tenant's card list takes the same filters and sorts as this device's (time, cost, uncertainty;
// ascending or descending; failed invariant; from / to) over this device's and pulled cards with one
// keyset, and the chart's stats count both.
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../app/dispatch';
import { makeServices, tempDir } from '../../platform/test-utils';
import type { NewCard } from '../cards/types';
import type { CardStats } from '../../../shared/workflow/views';

const option = (id: string, cost: number, uncertainty: number) => ({
  id,
  label: id,
  predictedQuality: 0.5,
  predictedCostCents: cost,
  latencyMs: 1,
  uncertainty,
});
const base = {
  kind: 'step',
  runId: 'run_local',
  stepId: 's',
  subject: 'local card',
  rationale: 'r',
  policy: { decision: 'allow', reasons: [], policyVersion: '1' },
  laneReasons: [],
  evidence: { memoryIds: [], bundleDigests: [], modelId: null },
  nextSafeStep: null,
  status: 'allowed',
} as const;

function setup() {
  const s = makeServices({ dataDir: tempDir() });
  s.profile.setup({ name: 'Rita', tenant: 'acme' });
  const d = createDispatcher(s);
  // This device: cost 40 / uncertainty 0.9 (a failed budget cap), cost 12 / uncertainty 0.1.
  const local = (cost: number, unc: number, inv: boolean, lane: 'RED' | 'GREEN') =>
    s.runs.cards.record(
      {
        ...base,
        options: [option('a', cost, unc)],
        chosen: 'a',
        invariants: inv ? [{ id: 'INV.BUDGET.CAP', pass: false, message: 'over' }] : [],
        lane,
      } as unknown as NewCard,
      'service:test',
    );
  const l40 = local(40, 0.9, true, 'RED');
  const l12 = local(12, 0.1, false, 'GREEN');
  // Pulled from dev_f: costs 60, 25, 5 (uncertainty 0.5, 0.7, 0.3); one failed the approval invariant.
  const now = s.clock.now().getTime(); // the clock this device records its cards with
  const ins = s.db.prepare(
    `INSERT INTO team_cards (device, card_id, user, run_id, created_at, lane, status, body, seq, received_at) VALUES ('dev_f', ?, 'ada@acme', 'run_f', ?, ?, 'allowed', ?, ?, ?)`,
  );
  const pulled = [
    { id: 'card_p60', cost: 60, unc: 0.5, hoursAgo: 30, lane: 'RED', inv: true },
    { id: 'card_p25', cost: 25, unc: 0.7, hoursAgo: 20, lane: 'YELLOW', inv: false },
    { id: 'card_p5', cost: 5, unc: 0.3, hoursAgo: 10, lane: 'GREEN', inv: false },
  ].map((p, i) => {
    const createdAt = new Date(now - p.hoursAgo * 3_600_000).toISOString();
    const card = {
      ...base,
      id: p.id,
      runId: 'run_f',
      subject: p.id,
      createdAt,
      options: [option('x', p.cost, p.unc), option('other', 999, 1)],
      chosen: 'x',
      invariants: p.inv ? [{ id: 'INV.APPROVAL.RED', pass: false, message: 'needs approval' }] : [{ id: 'INV.BUDGET.CAP', pass: true }],
      lane: p.lane,
    };
    ins.run(p.id, createdAt, p.lane, JSON.stringify(card), i + 1, createdAt);
    return card;
  });
  return { s, d, l40, l12, pulled, now };
}

/** Every page of a query, following nextBefore. */
function all(s: ReturnType<typeof setup>['s'], q: Parameters<ReturnType<typeof setup>['s']['team']['cards']>[0]): string[] {
  const ids: string[] = [];
  let before: string | undefined;
  for (let i = 0; i < 10; i++) {
    const page = s.team.cards({ ...q, limit: 2, ...(before ? { before } : {}) });
    ids.push(...page.items.map((c) => c.card.id));
    if (!page.nextBefore) return ids;
    before = page.nextBefore;
  }
  throw new Error('too many pages');
}

describe('the tenant card list: the same filters, sorts and chart as this device’s', () => {
  it('sorts by cost and uncertainty, both ways, across this device’s and pulled cards, page by page', () => {
    const { s, l40, l12 } = setup();
    expect(all(s, { sort: 'cost' })).toEqual(['card_p60', l40.id, 'card_p25', l12.id, 'card_p5']);
    expect(all(s, { sort: 'cost', dir: 'asc' })).toEqual(['card_p5', l12.id, 'card_p25', l40.id, 'card_p60']);
    expect(all(s, { sort: 'uncertainty' })).toEqual([l40.id, 'card_p25', 'card_p60', 'card_p5', l12.id]);
    // Time: newest first by default (this device's cards were recorded just now), oldest first asc.
    expect(all(s, { sort: 'time', dir: 'asc' }).slice(0, 3)).toEqual(['card_p60', 'card_p25', 'card_p5']);
    expect(all(s, {}).slice(-3)).toEqual(['card_p5', 'card_p25', 'card_p60']);
    s.close();
  });

  it('filters by failed invariant and by date, on both sources', () => {
    const { s, l40, now } = setup();
    expect(all(s, { failedInvariant: 'INV.BUDGET.CAP' })).toEqual([l40.id]); // a passing result does not count
    expect(all(s, { failedInvariant: 'INV.APPROVAL.RED' })).toEqual(['card_p60']);
    const iso = (h: number) => new Date(now - h * 3_600_000).toISOString();
    expect(all(s, { from: iso(25), to: iso(5) })).toEqual(['card_p5', 'card_p25']);
    expect(all(s, { to: iso(25) })).toEqual(['card_p60']);
    s.close();
  });

  it('refuses a cursor from another sort or order, and an unknown sort', async () => {
    const { s, d } = setup();
    const first = s.team.cards({ sort: 'cost', limit: 2 });
    expect(first.nextBefore).toBeTruthy();
    expect(() => s.team.cards({ sort: 'uncertainty', before: first.nextBefore! })).toThrow(/cursor/);
    expect(() => s.team.cards({ sort: 'cost', dir: 'asc', before: first.nextBefore! })).toThrow(/cursor/);
    expect(await d('cards.list', { scope: 'tenant', sort: 'size' } as never)).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(await d('cards.list', { scope: 'tenant', sort: 'cost', dir: 'asc', from: 'yesterday' } as never)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR' },
    });
    s.close();
  });

  it('the chart: lanes per day and failed invariants of both sources (cards.stats scope tenant)', async () => {
    const { s, d } = setup();
    const own = await d('cards.stats', { days: 7 });
    const res = await d('cards.stats', { days: 7, scope: 'tenant' });
    expect(own).toMatchObject({ ok: true });
    expect(res).toMatchObject({ ok: true });
    const tenant = (res as { data: CardStats }).data;
    const total = (st: CardStats) => st.days.reduce((n, x) => n + x.GREEN + x.YELLOW + x.RED, 0);
    expect(total((own as { data: CardStats }).data)).toBe(2);
    expect(total(tenant)).toBe(5);
    expect(tenant.days.reduce((n, x) => n + x.RED, 0)).toBe(2);
    expect(tenant.failedInvariants).toEqual(
      expect.arrayContaining([
        { id: 'INV.BUDGET.CAP', count: 1 },
        { id: 'INV.APPROVAL.RED', count: 1 },
      ]),
    );
    expect(tenant.days).toHaveLength(7);
    s.close();
  });
});
