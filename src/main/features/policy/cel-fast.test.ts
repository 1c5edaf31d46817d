// The fast path (cel-fast.ts) against @bufbuild/cel itself: wherever the fast path answers, it gives
// the library's value (same type, same value); wherever the library errs, the fast path does not
// answer. Over every shipped invariant and policy condition, edge-case expressions (mixed int and
// double, null, uint, int64 overflow, missing keys, has(), in, macros, a comprehension variable
// named like an activation variable) and the activations of ~640 generated guard contexts.
import fc from 'fast-check';
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
  // Whole-second timestamps and durations (INV.REPORT.PERIOD_LENGTH's shape) and string().
  "timestamp(data.period.to + 'T00:00:00Z') - timestamp(data.period.from + 'T00:00:00Z') <= duration('360h')",
  "timestamp(data.period.to + 'T00:00:00Z') < timestamp(data.period.from + 'T00:00:00Z')",
  "timestamp(now) > timestamp(today + 'T00:00:00Z')",
  "timestamp('2026-02-30T00:00:00Z') < timestamp('2026-03-01T00:00:00Z')",
  "timestamp('2026-13-01T00:00:00Z') < timestamp('2026-03-01T00:00:00Z')",
  "timestamp('2026-11-20T24:00:00Z') > timestamp('2026-11-20T00:00:00Z')",
  "timestamp('2026-11-20T23:59:60Z') > timestamp('2026-11-20T00:00:00Z')",
  "timestamp('0000-01-01T00:00:00Z') < timestamp('2026-03-01T00:00:00Z')",
  "timestamp('0001-01-01T00:00:00Z') < timestamp('9999-12-31T23:59:59Z')",
  "timestamp('9999-12-31T23:59:59Z') - timestamp('0001-01-01T00:00:00Z') > duration('1h')",
  "timestamp('2300-01-01T00:00:00Z') - timestamp('2000-01-01T00:00:00Z') > duration('1h')",
  "timestamp('2026-01-01T00:00:00Z') - timestamp('1800-01-01T00:00:00Z') > duration('1h')",
  "timestamp('1800-01-01T00:00:00Z') - timestamp('2026-01-01T00:00:00Z') < duration('1s')",
  "timestamp('2026-11-20T10:00:00+01:00') < timestamp('2026-11-20T10:00:00Z')",
  "timestamp('2026-11-20T10:00:00.5Z') > timestamp('2026-11-20T10:00:00Z')",
  "timestamp(now) - timestamp(now) == duration('0s')",
  "duration('010h') >= duration('36000s') && duration('600m') <= duration('10h')",
  "duration('999999h') > duration('1h')",
  "duration('9999999h') > duration('1h')",
  "duration('-1h') < duration('1h') && duration('1.5h') > duration('1h')",
  "duration(string(params.maxReportPeriodDays * 24) + 'h') > duration('1h')",
  "duration(string(run.spentCents) + 'h') >= duration(string(run.budgetCents) + 's')",
  "string(run.spentCents) + 'x' == '1200x' && string(1.5) == '1.5' && string(true) == 'true'",
  "string(data.period) == 'x'",
  "timestamp(run.spentCents) > timestamp('2026-11-20T10:00:00Z')",
  "timestamp('2026-11-20T10:00:00Z') == timestamp('2026-11-20T10:00:00Z')",
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
      'timestamp(now).getFullYear() > 2000',
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

  it('answers INV.REPORT.PERIOD_LENGTH itself (timestamps, durations, string())', () => {
    const e = all.find((x) => x.source.startsWith("timestamp(data.period.to + 'T00:00:00Z') - timestamp(data.period.from"))!;
    const fast = compileFast(parse(e.source).expr, ENV)!;
    expect(fast).not.toBeNull();
    const answered = acts.filter((a) => typeof fast(a) === 'boolean').length;
    // The generated variants break data.period in many ways (the library errs there, the fast path bails).
    expect(answered).toBeGreaterThan(50);
  });

  it('timestamps and durations from random digits: the library value, or a bail where it errs', () => {
    const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    /** Mostly a valid part, sometimes an edge case, sometimes any digits. */
    const part = (lo: number, hi: number, w: number, edges: string[]) =>
      fc.oneof(
        { arbitrary: fc.integer({ min: lo, max: hi }).map((n) => pad(n, w)), weight: 8 },
        { arbitrary: fc.constantFrom(...edges), weight: 1 },
        { arbitrary: digits(w), weight: 1 },
      );
    const ts = fc
      .tuple(
        part(1700, 2400, 4, ['0000', '0001', '1970', '9999']),
        part(1, 12, 2, ['00', '02', '13']),
        part(1, 28, 2, ['00', '29', '30', '31', '32']),
        part(0, 23, 2, ['24', '25']),
        part(0, 59, 2, ['60']),
        part(0, 59, 2, ['60']),
        fc.oneof({ arbitrary: fc.constant('Z'), weight: 6 }, { arbitrary: fc.constantFrom('.5Z', '+01:00', 'z', ''), weight: 1 }),
      )
      .map(([y, mo, d, h, mi, se, z]) => `${y}-${mo}-${d}T${h}:${mi}:${se}${z}`);
    const dur = fc.tuple(fc.oneof(digits(1), digits(3), digits(6), digits(7)), fc.constantFrom('h', 'h', 'm', 's', 'ms', 'x', '')).map(([n, u]) => n + u);
    const run = (src: string, a: CelActivation) => {
      const c = compileCel(src);
      if (!c.ok) throw new Error(c.reason);
      const fast = compileFast(parse(src).expr, ENV)!;
      const want = c.expr.evalLibrary(a);
      const got = fast(a);
      if (got !== BAIL) {
        expect(isCelError(want), `${src} on ${JSON.stringify(a)}: library erred`).toBe(false);
        expect(got, `${src} on ${JSON.stringify(a)}`).toBe(want);
      }
      return got !== BAIL;
    };
    let answered = 0;
    fc.assert(
      fc.property(ts, ts, dur, (x, y, d) => {
        const a = { x, y, d };
        if (run('timestamp(x) - timestamp(y) <= duration(d)', a)) answered++;
        if (run('timestamp(x) < timestamp(y) || timestamp(x) >= timestamp(y)', a)) answered++;
        if (run("duration(d) > duration('0s')", a)) answered++;
      }),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(1000); // the fast path did answer on the way
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
