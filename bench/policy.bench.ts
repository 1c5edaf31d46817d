// The policy engine's guard: microseconds per guarded action with 50 invariants matching it.
// Setup: the shipped policy and invariants (19 of which match the site-inspection submit step)
// plus generated invariants of varied shapes (arithmetic, string functions, list macros, has())
// written to a temporary policy directory, so exactly 50 match `step.before` of `submit`.
// Each timed call is the whole guard(): activation, policy rules, lane (contract redWhen, amount,
// PII), 50 CEL invariants with values and messages. p99 and p50 of the best of 7 rounds of 1,000
// calls (after 500 warm-up calls).
// Reference in the same run: the same 50 checks written as plain JS closures over the same context
// (lane and plaintext-PII list precomputed for them, no policy rules, no result objects): what the
// guard cannot be faster than.
// Targets: issue 20 (p99 < 150 µs). The two setup checks run with a long evaluation budget so a
// cold first call on a busy machine cannot fail the suite with 'timeout' (the timed calls are as before).
// Second figure: an ai-summarize step, where the guard also scans the AI inputs for prompt
// injection; its reference is the injection scan alone.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyEngine } from '../src/main/features/policy/index';
import { detectInjection } from '../src/main/features/policy/injection';
import { findPlaintextPii } from '../src/main/features/policy/lanes';
import { POLICY_DIR, submitContext, summarizeContext } from '../src/main/features/policy/fixtures';
import type { GuardContext } from '../src/shared/policy/types';
import { emit, percentile, size } from './figure';

const TARGET_MATCHING = 50;
const WARMUP = size(500, 20);
const ROUNDS = size(7, 1);
const CALLS_PER_ROUND = size(1000, 50);
/**
 * The two setup checks (which invariants match, and that the context is allowed) are each a first,
 * cold call: on a busy machine it could pass the guard's 50 ms budget and fail the setup with
 * 'timeout'. They get a generous budget; the timed calls run with the default, as before.
 */
const SETUP_TIMEOUT_MS = 60_000;

type Check = (c: GuardContext, f: { lane: string; plaintextPii: string[]; nowMs: number }) => boolean;

/** Generated invariant i: its YAML and the same check as a closure. */
function extra(i: number): { yaml: string; check: Check } {
  const k = i + 1;
  const shapes: [string, Check][] = [
    [`run.spentCents + step.estimatedCostCents * ${k} <= run.budgetCents`, (c) => c.run!.spentCents + c.step!.estimatedCostCents! * k <= c.run!.budgetCents],
    [`size(data.siteIds) <= ${k + 2}`, (c) => (c.data!.siteIds as unknown[]).length <= k + 2],
    [
      `data.reportId.startsWith('RPT-') && size(data.summary) >= ${k}`,
      (c) => (c.data!.reportId as string).startsWith('RPT-') && (c.data!.summary as string).length >= k,
    ],
    [`data.attachments.all(a, a.startsWith('sha256:')) && ${k} > 0`, (c) => (c.data!.attachments as string[]).every((a) => a.startsWith('sha256:'))],
    [
      `!has(data.estimatedRepairCents) || data.estimatedRepairCents <= ${k} * 100000`,
      (c) => c.data!.estimatedRepairCents === undefined || (c.data!.estimatedRepairCents as number) <= k * 100000,
    ],
    [
      `actor.tenant == run.tenant && run.elapsedMs < run.wallTimeBudgetMs + ${k}`,
      (c) => c.actor.tenant === c.run!.tenant && c.run!.elapsedMs < c.run!.wallTimeBudgetMs + k,
    ],
  ];
  const [expr, check] = shapes[i % shapes.length]!;
  const yaml = `- id: INV.BENCH.X${String(k).padStart(2, '0')}
  scope: bench
  when: { event: step.before, executor: submit }
  assert:
    - expr: ${JSON.stringify(expr)}
      message: 'generated check ${k} failed ({{run.spentCents}} of {{run.budgetCents}})'
  next: nothing to do
  plain: { en: { what: A generated check., failed: A generated check failed., next: Nothing to do. } }
`;
  return { yaml, check };
}

const DAY = 86_400_000;
/** The shipped invariants that match submit's step.before, as closures. */
const SHIPPED: Record<string, Check> = {
  'INV.APPROVAL.RED': (c, f) => f.lane !== 'RED' || c.approval?.state === 'approved',
  'INV.APPROVAL.NOT_REJECTED': (c) => c.approval?.state !== 'rejected',
  'INV.REPAIR.CAP_WITHOUT_APPROVAL': (c) =>
    c.data!.estimatedRepairCents === undefined || (c.data!.estimatedRepairCents as number) <= 250000 || c.approval?.state === 'approved',
  'INV.RUN.ACTIVE': (c) => c.run!.status === 'running',
  'INV.BUDGET.INTEGER_CENTS': (c) =>
    Number.isInteger(c.run!.spentCents) &&
    Number.isInteger(c.run!.budgetCents) &&
    Number.isInteger(c.step!.estimatedCostCents) &&
    c.step!.estimatedCostCents! >= 0 &&
    c.run!.spentCents >= 0,
  'INV.BUDGET.CAP': (c) => c.run!.spentCents + c.step!.estimatedCostCents! <= c.run!.budgetCents,
  'INV.BUDGET.STEP_SHARE': (c) => c.step!.estimatedCostCents! * 100 <= c.run!.budgetCents * 60,
  'INV.RUN.WALL_TIME': (c) => c.run!.elapsedMs + c.step!.estimatedMs! <= c.run!.wallTimeBudgetMs,
  'INV.CONTRACT.MAJOR_CURRENT': (c) => Number(/@(\d+)\./.exec(c.contract!.contract)![1]) === c.contract!.latestMajor,
  'INV.SYNC.FRESH_FOR_SUBMIT': (c, f) => c.sync!.lastSyncAt !== null && f.nowMs - Date.parse(c.sync!.lastSyncAt) <= 24 * 3600000,
  'INV.PII.NO_PLAINTEXT': (_c, f) => f.plaintextPii.length === 0,
  'INV.DATA.RESIDENCY': (c) => ['eu-north-1', 'eu-central-1', 'eu-west-1', 'device'].includes(c.destination!.region),
  'INV.RUN.SAME_TENANT': (c) => c.run!.tenant === c.actor.tenant,
  'INV.REPORT.PERIOD_ORDER': (c) => (c.data!.period as { from: string; to: string }).from <= (c.data!.period as { to: string }).to,
  'INV.REPORT.PERIOD_NOT_FUTURE': (c, f) => (c.data!.period as { to: string }).to <= new Date(f.nowMs).toISOString().slice(0, 10),
  'INV.REPORT.PERIOD_LENGTH': (c) => {
    const p = c.data!.period as { from: string; to: string };
    return Date.parse(p.to) - Date.parse(p.from) <= 366 * DAY;
  },
  'INV.ATTACHMENTS.HASHED': (c) => (c.data!.attachments as string[]).every((a) => /^sha256:[0-9a-f]{64}$/.test(a)),
  'INV.SPECIMEN.COLD_CHAIN': (c) => c.data!.preservation !== 'frozen' || (typeof c.data!.temperatureC === 'number' && c.data!.temperatureC <= -18),
  'INV.RECORD.NOT_FUTURE_DATED': (c, f) => {
    const today = new Date(f.nowMs).toISOString().slice(0, 10);
    return (
      (c.data!.collectedAt === undefined || (c.data!.collectedAt as string) <= today) &&
      (c.data!.inspectedAt === undefined || (c.data!.inspectedAt as string) <= today)
    );
  },
};

/**
 * Per-call times of ROUNDS rounds of CALLS_PER_ROUND calls; the round with the lowest p99 is kept
 * (as risk.bench keeps its best round: other processes on the machine only slow a round down).
 */
function timeMs(fn: () => unknown): number[] {
  for (let i = 0; i < WARMUP; i++) fn();
  let best: number[] | null = null;
  for (let r = 0; r < ROUNDS; r++) {
    const ts: number[] = [];
    for (let i = 0; i < CALLS_PER_ROUND; i++) {
      const t = performance.now();
      fn();
      ts.push(performance.now() - t);
    }
    ts.sort((a, b) => a - b);
    if (!best || percentile(ts, 99) < percentile(best, 99)) best = ts;
  }
  return best!;
}

export function run(): void {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-bench-policy-'));
  cpSync(POLICY_DIR, dir, { recursive: true });
  const probe = PolicyEngine.fromDir(dir);
  const ctx = submitContext();
  const shippedIds = probe.guard(ctx, { timeoutMs: SETUP_TIMEOUT_MS }).invariants.map((r) => r.id);
  const missing = shippedIds.filter((id) => !SHIPPED[id]);
  if (missing.length) throw new Error(`bench reference lacks closures for ${missing.join(', ')}`);
  const extras = Array.from({ length: TARGET_MATCHING - shippedIds.length }, (_, i) => extra(i));
  writeFileSync(join(dir, 'invariants', 'zz-bench-generated.yaml'), extras.map((e) => e.yaml).join(''));
  const engine = PolicyEngine.fromDir(dir);
  const first = engine.guard(ctx, { timeoutMs: SETUP_TIMEOUT_MS });
  if (first.invariants.length !== TARGET_MATCHING || !first.allowed)
    throw new Error(`bench setup: ${first.invariants.length} matching, allowed ${first.allowed}`);

  let sink = 0;
  const guard = timeMs(() => {
    sink += engine.guard(ctx).invariants.length;
  });
  const checks: Check[] = [...shippedIds.map((id) => SHIPPED[id]!), ...extras.map((e) => e.check)];
  const facts = { lane: first.lane, plaintextPii: findPlaintextPii(ctx.contract!.pii, ctx.data), nowMs: Date.parse(ctx.now!) };
  const closures = timeMs(() => {
    let ok = 0;
    for (const c of checks) if (c(ctx, facts)) ok++;
    sink += ok;
  });
  if (checks.every((c) => c(ctx, facts)) !== true) throw new Error('reference closures disagree with the guard');
  const us = (sorted: number[], p: number) => percentile(sorted, p) * 1000;
  emit({
    name: 'policy.eval.p99',
    value: us(guard, 99),
    unit: 'µs',
    ref: us(closures, 99),
    refName: `same ${TARGET_MATCHING} checks as JS closures (lane/PII precomputed, no policy rules)`,
    target: '< 150',
  });
  emit({
    name: 'policy.eval.p50',
    value: us(guard, 50),
    unit: 'µs',
    ref: us(closures, 50),
    refName: `same ${TARGET_MATCHING} checks as JS closures`,
    target: null,
  });

  // AI step: the guard also scans the AI inputs for prompt injection.
  const ai = summarizeContext();
  const aiMatching = engine.guard(ai).invariants.length;
  const aiGuard = timeMs(() => {
    sink += engine.guard(ai).invariants.length;
  });
  const scan = timeMs(() => {
    sink += detectInjection(ai.ai!.inputs!).score;
  });
  emit({
    name: 'policy.eval.ai.p99',
    value: us(aiGuard, 99),
    unit: 'µs',
    ref: us(scan, 99),
    refName: `injection scan alone (${ai.ai!.inputs!.length} inputs); guard evaluates ${aiMatching} invariants`,
    target: '< 1000 (1 ms)',
  });
  if (sink < 0) throw new Error('unreachable: keeps the results alive');
  rmSync(dir, { recursive: true, force: true });
}
