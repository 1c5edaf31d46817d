// The fast path (cel-fast.ts) against @bufbuild/cel itself: wherever the fast path answers, it gives
// the library's value (same type, same value); wherever the library errs, the fast path does not
// answer. Over every shipped invariant and policy condition, edge-case expressions (mixed int and
// double, null, uint, int64 overflow, missing keys, has(), in, macros, a comprehension variable
// named like an activation variable) and the activations of ~640 generated guard contexts.
import { describe, expect, it } from 'vitest';
import { isCelError } from '@bufbuild/cel';
import { buildActivation, setLane, dottedNames } from './activation';
import { compileCel, type CelActivation, type CompiledExpr } from './cel';
import { RE2JS } from '@bufbuild/re2';
import { BAIL, compileFast } from './cel-fast';
import { guardVariants, NOW, POLICY_DIR } from './fixtures';
import { PolicyEngine } from './index';
import { parse } from '@bufbuild/cel';
import { findEchoedPii, findPlaintextPii } from './lanes';

const EDGE = [
  '1 == 1.0',
  '1 < 1.5',
  'run.spentCents + 0.5 > 0.0',
  'run.spentCents * 9223372036854775807 > 0',
  'run.spentCents - 9223372036854775807 - 9223372036854775807 < 0',
  "data.missing == 'x'",
  'data.missing == null',
  'has(data.missing) || has(data.reportId)',
  'has(nothing.at_all)',
  "'a' in data.siteIds || 'PS-7' in data.siteIds",
  "'eu' in regions && 'mars' in regions",
  "regions['eu'].exists(r, r == destination.region)",
  "regions['mars'] == null",
  "data.siteIds.all(s, s.startsWith('PS-')) && data.siteIds.exists(s, s.endsWith('9'))",
  "data.siteIds.exists_one(s, s.contains('7'))",
  '[1, 2].all(run, run > 0) && run.spentCents >= 0',
  "{'a': 1}.all(k, k == 'a')",
  'size(data.summary) + size(data.siteIds) > 3',
  "data.summary.size() == size('Two sites inspected; minor corrosion at PS-7, no safety concerns.')",
  "size('héllo 👋') == 7",
  'type(run.spentCents) == int && type(data.summary) == string && double != type(run.spentCents)',
  'type(data.missing) == int || type(sync.ageMs) == double',
  "data.reportId.matches('^RPT-[0-9]{4}-[0-9]+$') && !data.summary.matches('(unclosed')",
  "data.attachments.all(a, type(a) == string && a.matches('^sha256:[0-9a-f]{64}$'))",
  'run.spentCents > 0 ? run.budgetCents : run.tokensUsed',
  "lane == 'RED' ? 'red' : lane",
  "laneReasons.exists(r, r.startsWith('guard.lane'))",
  "!(run.status == 'running') || step.estimatedMs <= 5000",
  'true && run.missing',
  'false && run.missing',
  'run.missing || true',
  "data.period.from < data.period.to && data.period.to > 'a'",
  'data.period < 3',
  'approval.state == 1',
  'payload.plaintextPii == []',
  'now > today && nowMs > 0',
  '-run.spentCents < 0',
  'run.spentCents / 2 > 0',
  'int(run.spentCents) == run.spentCents',
  'data',
  'data.siteIds',
  'run.spentCents',
  'sync.ageMs / 1000.0 < 86400.0',
];

function exprs(): CompiledExpr[] {
  const engine = PolicyEngine.fromDir(POLICY_DIR);
  const out = engine.invariants().flatMap((i) => i.asserts.map((a) => a.expr));
  for (const src of EDGE) {
    const c = compileCel(src);
    if (!c.ok) throw new Error(`${src}: ${c.reason}`);
    out.push(c.expr);
  }
  return out;
}

function activations(all: CompiledExpr[]): CelActivation[] {
  const engine = PolicyEngine.fromDir(POLICY_DIR);
  const doc = (engine as unknown as { loaded: { doc: Parameters<typeof buildActivation>[1] } }).loaded.doc;
  const names = dottedNames(all);
  return guardVariants().flatMap((ctx) => {
    const nowMs = ctx.now === undefined ? Date.parse(NOW) : Date.parse(ctx.now);
    if (!ctx.actor || !Number.isFinite(nowMs)) return [];
    try {
      const derived = {
        nowMs,
        plaintextPii: findPlaintextPii(ctx.contract?.pii, ctx.data),
        echoedPii: findEchoedPii(ctx.contract?.pii, ctx.data, ctx.step?.output),
        injection: null,
      };
      const act = buildActivation(ctx, doc, derived, names);
      setLane(act, 'YELLOW', []);
      return [act.cel];
    } catch {
      return []; // a context the guard itself refuses (it denies with the reason)
    }
  });
}

const ENV = { matches: (s: string, p: string) => RE2JS.compile(p).test(s) };
const same = (a: unknown, b: unknown) => typeof a === typeof b && (a === b || (Number.isNaN(a) && Number.isNaN(b)));

describe('cel-fast', () => {
  const all = exprs();
  const acts = activations(all);

  it('covers most shipped expressions and refuses what it does not handle', () => {
    expect(acts.length).toBeGreaterThan(500);
    expect(all.filter((e) => e.fast).length).toBeGreaterThan(all.length / 2);
    for (const src of [
      'timestamp(now) > timestamp(today)',
      'type(1) == type(2)',
      'type(1) == uint',
      'run.spentCents / 2 > 0',
      '[1] + [2] == [1, 2]',
      '1u == 1u',
    ])
      expect(compileFast(parse(src).expr, ENV), src).toBeNull();
  });

  it('answers only with the library value, never where the library errs', () => {
    let answered = 0;
    let bailed = 0;
    for (const e of all) {
      const fast = compileFast(parse(e.source).expr, ENV);
      if (!fast) continue;
      for (const a of acts) {
        const want = e.evalLibrary(a);
        const got = fast(a);
        if (got === BAIL) {
          bailed++;
          continue;
        }
        answered++;
        expect(isCelError(want), `${e.source}: library erred (${String((want as Error).message)}), fast path said ${String(got)}`).toBe(false);
        expect(same(got, want), `${e.source}: fast ${String(got)} vs library ${String(want)}`).toBe(true);
        // And eval() (fast path, library where it bails) gives the same as the library, errors included.
        expect(same(e.eval(a), want)).toBe(true);
      }
    }
    expect(answered).toBeGreaterThan(10_000);
    expect(bailed).toBeGreaterThan(100);
  });

  it('counts code points as the library does, lone surrogates included', () => {
    const c = compileCel('size(run)');
    if (!c.ok) throw new Error(c.reason);
    for (const str of ['', 'abc', 'héllo 👋', '\uD83D', 'a\uDC4Bb', '\uD83D\uDC4B', '\uDC4B\uD83D', 'x\uD83D', '👋👋\uD83D'])
      expect(c.expr.eval({ run: str }), JSON.stringify(str)).toBe(c.expr.evalLibrary({ run: str }));
  });

  it('eval() gives the library result (or the same error) where the fast path bails', () => {
    for (const e of all)
      for (const a of acts.slice(0, 200)) {
        const want = e.evalLibrary(a);
        const got = e.eval(a);
        if (isCelError(want)) expect(isCelError(got) && (got as Error).message === (want as Error).message).toBe(true);
        else if (typeof want !== 'object' || want === null) expect(same(got, want), e.source).toBe(true);
      }
  });
});
