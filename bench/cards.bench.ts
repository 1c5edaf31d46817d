// cards.query.100k: a filtered, sorted page of 100 decision cards out of 100,000, p99 over a mix of
// the reviewer's queries (lane + cost sort, full text, failed invariant, date range + uncertainty
// sort; first pages and next pages). Reference: the bare SQL page SELECT (no filter, newest 100, same
// columns, no hydration) on the same database.
import { createServices } from '../src/main/app/services';
import { createCardStore, type CardStore } from '../src/main/features/cards/index';
import { tempDir } from '../src/main/platform/test-utils';
import { emit, percentile, size, SMOKE } from './figure';
import type { DecisionCard, InvariantResult, Lane } from '../src/shared/workflow/types';
import type { CardListQuery as CardQuery } from '../src/shared/workflow/views';
import { mulberry32 } from '../src/platform/prng';

const WORKFLOWS = ['site-inspection-report@1.0.0', 'specimen-intake@1.0.0'];
const STEPS: [string, string][] = [
  ['capture-form', 'capture-form'],
  ['ai-summarize', 'ai-summarize'],
  ['ai-translate-verify', 'ai-translate-verify'],
  ['classify-risk', 'classify-risk'],
  ['review-gate', 'review-gate'],
  ['submit', 'submit'],
];
export const BENCH_INVARIANTS = [
  'INV.BUDGET.CAP',
  'INV.APPROVAL.RED',
  'INV.PII.EGRESS',
  'INV.RESIDENCY',
  'INV.ENGINE.BUDGET_TOKENS',
  'INV.TRANSLATION.SIMILARITY',
  'INV.SYNC.FRESH',
  'INV.INJECTION',
];
const LANE_REASONS: Record<Lane, string[]> = {
  GREEN: ['Contract lab.record.specimen@2.0.1 defaults to GREEN.', 'No risk signal: no contract hint, amount, plaintext PII, uncertainty or injection.'],
  YELLOW: [
    'Contract field.submit.report@1.0.0 defaults to YELLOW.',
    '1 PII field in plaintext in the outgoing data (/submittedBy/name).',
    'Model uncertainty 0.62 is above 0.5.',
  ],
  RED: [
    "The contract's red rule holds for this data: conclusion == 'unsafe'.",
    'Prompt injection detected in 1 of 3 AI inputs (score 1.40; override, exfiltration).',
    'Amount estimatedRepairCents is 2500000 cents, above the RED threshold of 1000000 cents.',
  ],
};
const MESSAGES: Record<string, string> = {
  'INV.BUDGET.CAP': 'Budget exceeded: {a} + {b} > {c} cents',
  'INV.APPROVAL.RED': 'A RED-lane action needs a reviewer approval (approval is pending)',
  'INV.PII.EGRESS': 'PII field /submittedBy/name would leave the device in plaintext',
  'INV.RESIDENCY': 'Data resident in eu may not be processed in us-east-1',
  'INV.ENGINE.BUDGET_TOKENS': 'Token budget exceeded: {a} used + {b} estimated > {c}',
  'INV.TRANSLATION.SIMILARITY': 'Back-translation similarity 0.{a} is below 0.80',
  'INV.SYNC.FRESH': 'Last sync {a} hours ago; a submission needs a sync within 24 hours',
  'INV.INJECTION': 'Prompt injection in the AI inputs: ignore previous instructions',
};

/** Deterministic synthetic cards, one every ~78 s from `startMs` (100k ≈ 90 days). */
export function syntheticCards(n: number, startMs: number, seed = 7, offset = 0): DecisionCard[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: DecisionCard[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    const lane: Lane = x < 0.6 ? 'GREEN' : x < 0.9 ? 'YELLOW' : 'RED';
    const [stepId, executor] = pick(STEPS);
    const wf = pick(WORKFLOWS);
    const failed = r() < 0.15 ? [pick(BENCH_INVARIANTS), ...(r() < 0.3 ? [pick(BENCH_INVARIANTS)] : [])] : [];
    const fill = (m: string) =>
      m
        .replace('{a}', String(Math.floor(r() * 900) + 10))
        .replace('{b}', String(Math.floor(r() * 500)))
        .replace('{c}', String(Math.floor(r() * 1000)));
    const invariants: InvariantResult[] = [
      { id: 'INV.ENGINE.BUDGET_COST', pass: true, message: null, values: { 'run.spentCents': 0, 'step.estimatedCostCents': 0, 'run.budgetCents': 50 } },
      ...[...new Set(failed)].map((id) => ({
        id,
        pass: false,
        message: fill(MESSAGES[id]!),
        values: { 'run.spentCents': Math.floor(r() * 100), 'run.budgetCents': 50 },
      })),
    ];
    const status = failed.length ? (failed.includes('INV.APPROVAL.RED') ? 'awaiting_approval' : 'denied') : 'allowed';
    const ai = executor.startsWith('ai-');
    const options = [
      {
        id: ai ? 'rule-based-fallback' : 'proceed',
        label: ai ? 'Rule-based fallback (rule-based-fallback@1)' : 'Proceed',
        predictedQuality: 0.5 + r() * 0.4,
        predictedCostCents: Math.floor(r() * 5000),
        latencyMs: Math.floor(r() * 3000),
        uncertainty: Math.round(r() * 1000) / 1000,
      },
      { id: 'skip', label: 'Skip', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 0 },
      { id: 'local-model', label: 'Local model (unavailable)', predictedQuality: 0.8, predictedCostCents: 0, latencyMs: 4000, uncertainty: 0.3 },
    ];
    const runId = `run_${String(Math.floor((offset + i) / 6)).padStart(8, '0')}`;
    out.push({
      id: `card_bench_${String(offset + i).padStart(8, '0')}`,
      kind: 'step',
      runId,
      stepId,
      subject: `${wf} · ${stepId} (${executor})`,
      createdAt: new Date(startMs + i * 78_000).toISOString(),
      options,
      chosen: status === 'allowed' ? options[0]!.id : null,
      rationale:
        status === 'allowed'
          ? `Allowed by rule run-steps: step.execute:${executor} for role field. ${pick(LANE_REASONS[lane])}`
          : `Blocked before ${stepId}: ${invariants
              .filter((v) => !v.pass)
              .map((v) => v.message)
              .join('; ')}`,
      invariants,
      policy: { decision: 'allow', reasons: [`rule run-steps allows step.execute:${executor} for role field`], policyVersion: '2026.11.1' },
      lane,
      laneReasons: [pick(LANE_REASONS[lane])],
      approval: { state: status === 'awaiting_approval' ? 'pending' : 'not_required', by: null, at: null, comment: null },
      evidence: { memoryIds: [], bundleDigests: ['sha256:' + '0'.repeat(64)], modelId: ai ? 'rule-based-fallback@1' : null },
      nextSafeStep: status === 'allowed' ? null : 'Lower the estimate or ask an admin to raise the run budget',
      status,
      auditHash: 'f'.repeat(64),
    });
  }
  return out;
}

/** Open a data dir's services and a card store holding `n` synthetic cards. */
export function seededStore(n: number): { store: CardStore; close: () => void; db: ReturnType<typeof createServices>['db']; startMs: number } {
  const s = createServices({ dataDir: tempDir('maestro-bench-'), host: 'web' });
  const store = createCardStore({ db: s.db, clock: s.clock, audit: s.audit });
  const startMs = Date.parse('2026-08-01T00:00:00.000Z');
  for (let i = 0; i < n; i += 10_000) store.insertMany(syntheticCards(Math.min(10_000, n - i), startMs + i * 78_000, 7 + i, i));
  s.db.pragma('optimize');
  return { store, db: s.db, startMs, close: () => s.close() };
}

/** The reviewer's query mix: first pages, and next pages through each first page's cursor. */
export function queryMix(startMs: number, rounds: number): CardQuery[] {
  const r = mulberry32(99);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const texts = ['budget exceeded', 'injection', 'uncertainty above', 'unsafe', 'similarity', 'residency', 'specimen intake', 'plaintext pii'];
  const day = 86_400_000;
  const qs: CardQuery[] = [];
  for (let i = 0; i < rounds; i++) {
    qs.push({ lane: pick(['GREEN', 'YELLOW', 'RED'] as const), sort: 'cost', dir: pick(['asc', 'desc'] as const), limit: 100 });
    qs.push({ text: pick(texts), sort: 'time', dir: 'desc', limit: 100 });
    qs.push({ failedInvariant: pick(BENCH_INVARIANTS), sort: 'time', dir: 'desc', limit: 100 });
    const from = startMs + Math.floor(r() * 80) * day;
    qs.push({
      from: new Date(from).toISOString(),
      to: new Date(from + (1 + Math.floor(r() * 20)) * day).toISOString(),
      sort: 'uncertainty',
      dir: 'desc',
      limit: 100,
    });
  }
  return qs;
}

export function run(): void {
  const { store, db, startMs, close } = seededStore(size(100_000, 2_000));
  const mix = queryMix(startMs, size(50, 2));
  // Warm-up (statement preparation, page cache), then measure every query and its next page.
  for (const q of mix.slice(0, 8)) store.list(q);
  const times: number[] = [];
  for (const q of mix) {
    let t = performance.now();
    const page = store.list(q);
    times.push(performance.now() - t);
    // A smoke run's 2,000 cards span two days: a date-range or narrow filter may fill less than a page.
    if (SMOKE ? page.cards.length > 100 : page.cards.length !== 100)
      throw new Error(`cards bench: expected a full page for ${JSON.stringify(q)}, got ${page.cards.length}`);
    if (page.nextCursor) {
      t = performance.now();
      store.list({ ...q, cursor: page.nextCursor });
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  const bare = db.prepare('SELECT seq, body, status, audit_hash, cost_cents, uncertainty, created_at FROM decision_cards ORDER BY seq DESC LIMIT 101');
  const refTimes: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const t = performance.now();
    bare.all();
    refTimes.push(performance.now() - t);
  }
  refTimes.sort((a, b) => a - b);
  close();
  emit({
    name: 'cards.query.100k',
    value: percentile(times, 99),
    unit: 'ms (p99)',
    ref: percentile(refTimes, 99),
    refName: 'bare SQL page SELECT (newest 100, no filter, no hydration)',
    target: '< 50',
  });
}
