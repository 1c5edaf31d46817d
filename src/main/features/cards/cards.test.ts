import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { makeServices, tempDir } from '../../platform/test-utils';
import { canonicalJson } from '../../../shared/canonical';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { CardListQuery } from '../../../shared/workflow/views';
import { syntheticCards, BENCH_INVARIANTS } from '../../../../bench/cards.bench';
import { createCardStore, sortKeysOf, type NewCard } from './index';
import { DRIVE_MAX } from './query';

const START = Date.parse('2026-08-01T00:00:00.000Z');

function store(n = 0) {
  let t = START + 10 * 365 * 86_400_000;
  const s = makeServices({ dataDir: tempDir(), clock: { now: () => new Date((t += 1000)) } });
  const cards = createCardStore({ db: s.db, clock: s.clock, audit: s.audit });
  const seeded = n ? syntheticCards(n, START, 3) : [];
  if (n) cards.insertMany(seeded);
  return { s, cards, seeded };
}

const newCard = (over: Partial<NewCard> = {}): NewCard => ({
  kind: 'step',
  runId: 'run_1',
  stepId: 'ai-summarize',
  subject: 'site-inspection-report@1.0.0 · ai-summarize (ai-summarize)',
  options: [
    { id: 'rule-based-fallback', label: 'Fallback', predictedQuality: 0.5, predictedCostCents: 12, latencyMs: 5, uncertainty: 0.45 },
    { id: 'skip', label: 'Skip', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 1 },
  ],
  chosen: 'rule-based-fallback',
  rationale: 'No local model is installed, so the rule-based fallback quoted three sentences.',
  invariants: [{ id: 'INV.BUDGET.CAP', pass: false, message: 'Budget exceeded: 60 + 12 > 50 cents', values: { 'run.spentCents': 60 } }],
  policy: { decision: 'allow', reasons: ['rule run-steps allows step.execute:ai-summarize for role field'], policyVersion: '2026.11.1' },
  lane: 'YELLOW',
  laneReasons: ['Model uncertainty 0.62 is above 0.5.'],
  evidence: { memoryIds: [], bundleDigests: [], modelId: 'rule-based-fallback@1' },
  nextSafeStep: null,
  status: 'allowed',
  ...over,
});

/** The reference answer: filter and sort in memory (the store's semantics, spelled out). */
function expected(all: DecisionCard[], q: CardListQuery): string[] {
  const from = q.from ? new Date(q.from).toISOString() : null;
  const to = q.to ? new Date(q.to).toISOString() : null;
  const words = q.text ? q.text.toLowerCase().split(/\s+/).filter(Boolean) : [];
  const rows = all
    .map((c, seq) => ({ c, seq, ...sortKeysOf(c) }))
    .filter(({ c }) => (!q.lane || c.lane === q.lane) && (!q.status || c.status === q.status) && (!q.runId || c.runId === q.runId))
    .filter(({ c }) => !q.failedInvariant || c.invariants.some((i) => !i.pass && i.id === q.failedInvariant))
    .filter(({ c }) => (!from || c.createdAt >= from) && (!to || c.createdAt <= to))
    .filter(({ c }) =>
      words.every((w) =>
        `${c.subject} ${c.rationale} ${c.laneReasons.join(' ')} ${c.nextSafeStep ?? ''} ${c.invariants.map((i) => i.message).join(' ')}`
          .toLowerCase()
          .includes(w),
      ),
    );
  const key = (r: (typeof rows)[number]) => (q.sort === 'cost' ? r.costCents : q.sort === 'uncertainty' ? r.uncertainty : r.seq);
  const sign = q.dir === 'asc' ? 1 : -1;
  rows.sort((a, b) => sign * (key(a) - key(b) || a.seq - b.seq));
  return rows.map((r) => r.c.id);
}

function pageAll(cards: ReturnType<typeof createCardStore>, q: CardListQuery): string[] {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const p = cards.list({ ...q, cursor });
    out.push(...p.cards.map((c) => c.id));
    if (!p.nextCursor) return out;
    expect(p.cards).toHaveLength(q.limit ?? 100);
    cursor = p.nextCursor;
  }
  throw new Error('did not end');
}

describe('decision cards', () => {
  it('record: one audit entry carries the body digest, the card keeps its hash; get returns it', () => {
    const { s, cards } = store();
    const c = cards.record(newCard(), 'service:runs');
    const entry = s.audit.list({ limit: 5 }).entries[0]!;
    expect(entry).toMatchObject({
      action: 'card.recorded',
      subject: c.id,
      hash: c.auditHash,
      payload: { run: 'run_1', step: 'ai-summarize', kind: 'step', lane: 'YELLOW', status: 'allowed', failedInvariants: ['INV.BUDGET.CAP'] },
    });
    const { auditHash: _h, ...body } = c;
    expect((entry.payload as { bodySha256: string }).bodySha256).toBe(hash('sha256', canonicalJson(body), 'hex'));
    expect(cards.get(c.id)).toEqual(c);
    expect(c.approval).toEqual({ state: 'not_required', by: null, at: null, comment: null });
    expect(() => cards.get('card_nope')).toThrow(/No decision card/);
  });

  it('values that do not canonicalise (undefined, bigint) are made plain JSON, not a failed step', () => {
    const { cards } = store();
    const c = cards.record(
      newCard({ invariants: [{ id: 'INV.X', pass: true, message: null, values: { a: undefined, b: 10n as unknown as number, c: Number.NaN } }] }),
      'service:runs',
    );
    expect(cards.get(c.id).invariants[0]!.values).toEqual({ b: '10', c: null });
  });

  it('approvals are appended; the card shows the latest; the card itself never changes', () => {
    const { s, cards } = store();
    const c = cards.record(newCard({ status: 'awaiting_approval', chosen: null, lane: 'RED' }), 'service:runs');
    expect(cards.list({ status: 'awaiting_approval' }).cards.map((x) => x.id)).toEqual([c.id]);
    const body = s.db.prepare('SELECT body FROM decision_cards WHERE id = ?').pluck().get(c.id);
    cards.appendApproval(c.id, { state: 'rejected', by: 'prof_a', at: '2036-01-01T00:00:00.000Z', comment: 'no' }, 'user:prof_a');
    const after = cards.appendApproval(c.id, { state: 'approved', by: 'prof_b', at: '2036-01-02T00:00:00.000Z', comment: 'on second look' }, 'user:prof_b');
    expect(after).toMatchObject({ status: 'approved', approval: { state: 'approved', by: 'prof_b', comment: 'on second look' } });
    expect(cards.approvals(c.id).map((a) => a.state)).toEqual(['rejected', 'approved']);
    expect(s.db.prepare('SELECT body FROM decision_cards WHERE id = ?').pluck().get(c.id)).toBe(body);
    expect(cards.list({ status: 'awaiting_approval' }).cards).toEqual([]);
    expect(cards.list({ status: 'approved' }).cards.map((x) => x.id)).toEqual([c.id]);
    expect(cards.list({ status: 'rejected' }).cards).toEqual([]);
    expect(s.audit.list({ limit: 5, action: 'card.approval' }).entries).toHaveLength(2);
    expect(() => s.db.prepare("UPDATE decision_cards SET status = 'approved'").run()).toThrow(/append-only/);
    expect(() => s.db.prepare('DELETE FROM card_approvals').run()).toThrow(/append-only/);
  });

  it('record time never goes backwards (so a date range is a seq range)', () => {
    const { s, cards } = store();
    const late = createCardStore({ db: s.db, clock: { now: () => new Date('2040-01-01T00:00:00.000Z') }, audit: s.audit }).record(newCard(), 'service:runs');
    const early = cards.record(newCard(), 'service:runs');
    expect(early.createdAt).toBe(late.createdAt);
  });

  it.each<CardListQuery>([
    {},
    { dir: 'asc' },
    { lane: 'RED', sort: 'cost' },
    { lane: 'GREEN', sort: 'cost', dir: 'asc' },
    { lane: 'YELLOW', sort: 'uncertainty' },
    { sort: 'uncertainty', dir: 'asc' },
    { sort: 'cost' },
    { text: 'budget exceeded' },
    { text: 'budget', sort: 'cost' },
    { text: 'injection', lane: 'RED' },
    { failedInvariant: 'INV.RESIDENCY' },
    { failedInvariant: 'INV.BUDGET.CAP', sort: 'uncertainty', dir: 'asc' },
    { status: 'denied', sort: 'cost' },
    { status: 'allowed', lane: 'YELLOW' },
    { status: 'awaiting_approval' },
    { runId: 'run_00000042' },
    { from: new Date(START + 10 * 86_400_000).toISOString(), to: new Date(START + 12 * 86_400_000).toISOString(), sort: 'uncertainty' },
    { from: new Date(START + 5 * 86_400_000).toISOString(), lane: 'YELLOW', sort: 'time', dir: 'asc' },
    { to: new Date(START + 86_400_000).toISOString(), sort: 'cost', dir: 'asc', text: 'fallback' },
  ])('list %j pages through exactly the matching cards in order (keyset)', (q) => {
    const { cards, seeded } = store(3000);
    const want = expected(seeded, q);
    expect(pageAll(cards, { ...q, limit: 97 })).toEqual(want);
  });

  it('text search: stemmed words, the last one a prefix; every word must occur', () => {
    const { cards } = store();
    const a = cards.record(newCard({ rationale: 'The inspector exceeded the budget of the run.' }), 's');
    cards.record(newCard({ rationale: 'Nothing to report.', invariants: [] }), 's');
    expect(cards.list({ text: 'exceeded budgets' }).cards.map((c) => c.id)).toEqual([a.id]);
    expect(cards.list({ text: 'budgets insp' }).cards.map((c) => c.id)).toEqual([a.id]);
    expect(cards.list({ text: 'budget nothing' }).cards).toEqual([]);
    expect(cards.list({ text: 'inspecto' }).cards.map((c) => c.id)).toEqual([a.id]);
    expect(cards.list({ text: '"; DROP TABLE decision_cards; --' }).cards).toEqual([]);
    expect(cards.list({ text: '   ' }).cards).toHaveLength(2);
  });

  it('refuses bad queries: limit over 500, a foreign cursor, an unknown sort', () => {
    const { cards } = store(300);
    expect(() => cards.list({ limit: 501 })).toThrow(/limit must be an integer in 1..500/);
    expect(() => cards.list({ limit: 0 })).toThrow(/limit/);
    const p = cards.list({ sort: 'cost', limit: 10 });
    expect(() => cards.list({ sort: 'time', cursor: p.nextCursor! })).toThrow(/cursor/);
    expect(() => cards.list({ cursor: 'garbage' })).toThrow(/cursor/);
    expect(() => cards.list({ sort: 'size' as never })).toThrow(/sort must be one of/);
    expect(() => cards.list({ from: 'yesterday' })).toThrow(/from is not a date/);
    expect(cards.list({ limit: 500 }).cards).toHaveLength(300);
  });

  it('pages are index range scans; a rare filter drives with its own index', () => {
    const { cards } = store(DRIVE_MAX * 2);
    const plan = (q: CardListQuery) => cards.explain(q);
    expect(plan({ lane: 'RED', sort: 'cost' }).plan.join(' ')).toMatch(/USING INDEX cards_lane_cost \(lane=\?\)$/);
    expect(plan({ sort: 'uncertainty' }).plan.join(' ')).toMatch(/USING INDEX cards_unc$/);
    expect(plan({ failedInvariant: BENCH_INVARIANTS[0] }).plan.join(' ')).toMatch(/SEARCH fi USING PRIMARY KEY \(invariant_id=\?\)/);
    expect(plan({ text: 'budget' }).plan.join(' ')).toMatch(/VIRTUAL TABLE INDEX/);
    expect(plan({ runId: 'run_00000001', sort: 'cost' })).toMatchObject({ driver: 'run' });
    const narrow = plan({ from: new Date(START).toISOString(), to: new Date(START + 3_600_000).toISOString(), sort: 'cost' });
    expect(narrow.driver).toBe('range');
    expect(narrow.plan.join(' ')).toMatch(/INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
    for (const q of [{ lane: 'GREEN' }, { status: 'allowed' }, { sort: 'cost', status: 'denied' }] as CardListQuery[]) {
      expect(plan(q).plan.join(' ')).not.toMatch(/TEMP B-TREE|SCAN c$/);
    }
  });

  it('stats: cards per lane per day and the most failed invariants', () => {
    const { cards } = store();
    cards.record(newCard({ lane: 'RED' }), 's');
    cards.record(newCard({ lane: 'GREEN', invariants: [] }), 's');
    const st = cards.stats(3);
    expect(st.days).toHaveLength(3);
    const total = st.days.reduce((a, d) => a + d.GREEN + d.YELLOW + d.RED, 0);
    expect(total).toBe(2);
    expect(st.failedInvariants).toEqual([{ id: 'INV.BUDGET.CAP', count: 1 }]);
    expect(() => cards.stats(0)).toThrow(/days/);
  });
});
