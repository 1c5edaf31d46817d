import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyEngine } from './index';
import { InvariantSet, parseInvariantFile } from './invariants';
import { toCelActivation } from './cel';
import { POLICY_DIR, submitContext, summarizeContext } from './fixtures';
import { msg } from '../../../shared/messages';

/** A private copy of resources/policy the test may break. */
function policyCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-policy-'));
  cpSync(POLICY_DIR, dir, { recursive: true });
  return dir;
}

const ok = (id: string, expr: string, extra = '') => `- id: ${id}
  scope: test
  when: { event: step.before }
  assert:
    - expr: ${JSON.stringify(expr)}
      message: 'failed {{run.spentCents}}'
  next: do something${extra}
  plain: { en: { what: w, failed: f, next: x } }
`;

describe('invariant loader: refused files name file, line and reason', () => {
  it('loads a list, a single mapping and several YAML documents', () => {
    expect(parseInvariantFile(ok('INV.A', 'true'), 'a.yaml').invariants.map((i) => i.id)).toEqual(['INV.A']);
    const single = `id: INV.B\nscope: s\nwhen: { event: run.start }\nassert: [{ expr: 'true', message: m }]\nnext: n\nplain: { en: { what: w, failed: f, next: x } }\n`;
    expect(parseInvariantFile(single, 'b.yaml').invariants.map((i) => i.id)).toEqual(['INV.B']);
    const multi = `${ok('INV.C', 'true')}---\n${single}`;
    expect(parseInvariantFile(multi, 'c.yaml').invariants.map((i) => i.id)).toEqual(['INV.C', 'INV.B']);
  });

  it('YAML syntax error: line of the error', () => {
    const text = `${ok('INV.A', 'true')}- id: INV.B\n  scope: [unclosed\n`;
    const r = parseInvariantFile(text, 'bad.yaml');
    expect(r.invariants).toEqual([]);
    expect(r.errors[0]).toMatchObject({ file: 'bad.yaml', reason: expect.stringContaining('YAML syntax error') });
    expect(r.errors[0]!.line).toBeGreaterThanOrEqual(8);
  });

  it('schema violation: the offending field and its line', () => {
    const text = `${ok('INV.A', 'true')}- id: INV.B\n  scope: x\n  when: { event: step.before, executr: submit }\n  assert: [{ expr: 'true', message: m }]\n  next: n\n  plain: { en: { what: w, failed: f, next: x } }\n`;
    const r = parseInvariantFile(text, 'schema.yaml');
    expect(r.errors).toEqual([
      {
        file: 'schema.yaml',
        line: 11,
        reason: "schema: /1/when unknown field 'executr'",
        message: msg('guard.load.schema', { path: '/1/when', detail: "unknown field 'executr'" }),
      },
    ]);
  });

  it('unknown event and missing next are refused', () => {
    const badEvent = `- id: INV.A\n  scope: x\n  when: { event: step.bfore }\n  assert: [{ expr: 'true', message: m }]\n  next: n\n  plain: { en: { what: w, failed: f, next: x } }\n`;
    const r1 = parseInvariantFile(badEvent, 'e.yaml');
    expect(r1.errors[0]).toMatchObject({ line: 3, reason: expect.stringMatching(/event must be one of .*step\.before/) });
    const noNext = `- id: INV.A\n  scope: x\n  when: { event: step.before }\n  assert: [{ expr: 'true', message: m }]\n  plain: { en: { what: w, failed: f, next: x } }\n`;
    expect(parseInvariantFile(noNext, 'n.yaml').errors[0]).toMatchObject({ line: 1, reason: "schema: /0 missing field 'next'" });
  });

  it('CEL parse error: line of the expression and the parser message', () => {
    const text = `${ok('INV.A', 'true')}${ok('INV.B', 'run.spentCents + <= 3')}`;
    const r = parseInvariantFile(text, 'cel.yaml');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      file: 'cel.yaml',
      line: 13,
      reason: expect.stringMatching(/^INV\.B: CEL parse error: .+column \d+ of the expression/),
    });
  });

  it('plain texts: en is required, other languages are data only, codes and placeholders are refused', () => {
    const inv = (plain: string) =>
      `- id: INV.A\n  scope: x\n  when: { event: step.before }\n  assert: [{ expr: 'true', message: m }]\n  next: n\n  plain: ${plain}\n`;
    const fi = parseInvariantFile(inv('{ en: { what: w, failed: f, next: x }, fi: { what: mitä, failed: epäonnistui, next: seuraavaksi } }'), 'fi.yaml');
    expect(fi.errors).toEqual([]);
    expect(fi.invariants[0]!.plain.fi).toEqual({ what: 'mitä', failed: 'epäonnistui', next: 'seuraavaksi' });
    expect(parseInvariantFile(inv('{ fi: { what: w, failed: f, next: x } }'), 'no-en.yaml').errors[0]).toMatchObject({
      line: 6,
      reason: "schema: /0/plain missing field 'en'",
    });
    expect(parseInvariantFile(inv('{ en: { what: w, failed: f } }'), 'no-next.yaml').errors[0]!.reason).toContain("missing field 'next'");
    expect(parseInvariantFile(inv('{ english: { what: w, failed: f, next: x } }'), 'lang.yaml').errors).toHaveLength(1);
    const coded = parseInvariantFile(inv("{ en: { what: w, failed: 'INV.A failed with {{run.id}}', next: 'Fix BUDGET_EXCEEDED' } }"), 'code.yaml');
    expect(coded.invariants).toEqual([]);
    expect(coded.errors).toEqual([
      {
        file: 'code.yaml',
        line: 6,
        reason: 'INV.A: plain texts are words for people, without {{placeholders}} or codes: plain.en.failed, plain.en.next',
        message: msg('guard.load.plain_placeholders', { id: 'INV.A', list: 'plain.en.failed, plain.en.next' }),
      },
    ]);
  });

  it('every shipped invariant has plain English texts', () => {
    const engine = PolicyEngine.fromDir(POLICY_DIR);
    const texts = engine.plainTexts();
    expect(Object.keys(texts).sort()).toEqual(engine.invariantIds().sort());
    for (const t of Object.values(texts)) {
      expect(t.en.what.length).toBeGreaterThan(10);
      expect(t.en.failed.length).toBeGreaterThan(10);
      expect(t.en.next.length).toBeGreaterThan(10);
    }
  });

  it('message placeholders must be plain paths (templates never evaluate)', () => {
    const text = `- id: INV.A\n  scope: x\n  when: { event: step.before }\n  assert:\n    - expr: 'true'\n      message: 'total {{run.spentCents + 1}}'\n  next: n\n  plain: { en: { what: w, failed: f, next: x } }\n`;
    expect(parseInvariantFile(text, 't.yaml').errors[0]).toMatchObject({ line: 6, reason: expect.stringContaining('{{run.spentCents + 1}}') });
  });

  it('duplicate ids across files, unknown variables and undefined params are refused by the engine', () => {
    const dir = policyCopy();
    writeFileSync(join(dir, 'invariants', 'zz-dup.yaml'), `# dup\n${ok('INV.BUDGET.CAP', 'true')}`);
    const e = PolicyEngine.fromDir(dir);
    expect(e.invariantCount()).toBe(0);
    expect(e.lastErrors()).toEqual([
      {
        file: 'invariants/zz-dup.yaml',
        line: 2,
        reason: expect.stringMatching(/^duplicate id INV\.BUDGET\.CAP \(first defined at invariants\/budget\.yaml:\d+\)$/),
        message: { code: 'guard.load.duplicate_id', params: { id: 'INV.BUDGET.CAP', at: expect.stringMatching(/^invariants\/budget\.yaml:\d+$/) } },
      },
    ]);
    writeFileSync(join(dir, 'invariants', 'zz-dup.yaml'), ok('INV.X', 'rn.spentCents > 0') + ok('INV.Y', 'params.nope > 0'));
    const r = e.reload();
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      {
        file: 'invariants/zz-dup.yaml',
        line: 5,
        reason: expect.stringContaining("INV.X: unknown variable 'rn'"),
        message: { code: 'guard.load.unknown_variable', params: { id: 'INV.X', name: 'rn', known: expect.any(String) } },
      },
      {
        file: 'invariants/zz-dup.yaml',
        line: 13,
        reason: 'INV.Y: params.nope is not defined in policy.yaml',
        message: msg('guard.load.param_undefined', { id: 'INV.Y', key: 'nope', file: 'policy.yaml' }),
      },
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a failed reload keeps the previous invariants and policy in force', () => {
    const dir = policyCopy();
    const e = PolicyEngine.fromDir(dir);
    expect(e.lastErrors()).toEqual([]);
    const count = e.invariantCount();
    const version = e.version();
    expect(count).toBeGreaterThanOrEqual(20);
    const before = e.guard(submitContext());
    expect(before.allowed).toBe(true);

    // Break one file: a valid invariant that would deny everything, plus a syntax error.
    const file = join(dir, 'invariants', 'budget.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original + ok('INV.DENY.ALL', 'false') + '- id: [broken\n');
    const r = e.reload();
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ file: 'invariants/budget.yaml', reason: expect.stringContaining('YAML syntax error') });
    expect(e.invariantCount()).toBe(count);
    expect(e.version()).toBe(version);
    expect(e.guard(submitContext()).allowed).toBe(true);

    // Break the policy document instead: still the old set.
    writeFileSync(file, original);
    const policyFile = join(dir, 'policy.yaml');
    const policyText = readFileSync(policyFile, 'utf8');
    writeFileSync(policyFile, policyText.replace('version: 2026.12.5', 'version: 2026.11'));
    const r2 = e.reload();
    expect(r2.errors).toEqual([
      {
        file: 'policy.yaml',
        line: 4,
        reason: 'schema: /version must be string',
        message: msg('guard.load.schema', { path: '/version', detail: 'must be string' }),
      },
    ]);
    expect(e.version()).toBe(version);

    // Fixed: the new version is swapped in.
    writeFileSync(policyFile, policyText.replace('version: 2026.12.5', 'version: 2026.11.2'));
    expect(e.reload()).toEqual({ ok: true, errors: [] });
    expect(e.version()).toBe('2026.11.2');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('invariant evaluation fails closed', () => {
  const set = (text: string) => new InvariantSet(parseInvariantFile(text, 'x.yaml').invariants);
  const native = { run: { spentCents: 10, budgetCents: 5, id: 'r1', note: '{{run.id}}' } };
  const cel = toCelActivation(native);

  it('a failing expression reports its message and the values it read', () => {
    const s = set(ok('INV.A', 'run.spentCents <= run.budgetCents'));
    expect(s.evaluate(s.invariants, cel, native)).toEqual([
      { id: 'INV.A', pass: false, message: 'failed 10', values: { 'run.budgetCents': 5, 'run.spentCents': 10 } },
    ]);
  });

  it('an expression that errors fails with the error', () => {
    const [r] = (() => {
      const s = set(ok('INV.A', 'run.spentCents / 0 == 1'));
      return s.evaluate(s.invariants, cel, native);
    })();
    expect(r).toMatchObject({ pass: false, error: expect.stringMatching(/divi/i) });
  });

  it('a missing value fails and names the path', () => {
    const s = set(ok('INV.A', 'run.spentCents + step.estimatedCostCents <= run.budgetCents'));
    const [r] = s.evaluate(s.invariants, cel, native);
    expect(r).toMatchObject({
      pass: false,
      error: expect.stringMatching(/^missing value: step\.estimatedCostCents/),
      values: { 'step.estimatedCostCents': null },
    });
  });

  it('a non-bool result fails', () => {
    const s = set(ok('INV.A', 'run.spentCents + 1'));
    expect(s.evaluate(s.invariants, cel, native)[0]).toMatchObject({ pass: false, error: expect.stringContaining('returned int, not bool') });
  });

  it('templates are filled by look-up only: a value that looks like a template stays text', () => {
    const text = `- id: INV.A\n  scope: x\n  when: { event: step.before }\n  assert:\n    - expr: 'false'\n      message: 'note {{run.note}} missing {{run.nothing}}'\n  next: n\n  plain: { en: { what: w, failed: f, next: x } }\n`;
    const s = set(text);
    expect(s.evaluate(s.invariants, cel, native)[0]!.message).toBe('note {{run.id}} missing (missing)');
  });

  it('time budget: invariants after the budget is spent fail with timeout', () => {
    const slow = `- id: INV.SLOW\n  scope: x\n  when: { event: step.before }\n  assert:\n    - expr: data.xs.all(a, data.xs.all(b, a + b >= 0))\n      message: slow\n  next: n\n  plain: { en: { what: w, failed: f, next: x } }\n`;
    const s = set(slow + ok('INV.AFTER1', 'true') + ok('INV.AFTER2', 'true'));
    const xs = Array.from({ length: 400 }, (_, i) => i);
    const n2 = { data: { xs } };
    const res = s.evaluate(s.invariants, toCelActivation(n2), n2, { timeoutMs: 1 });
    expect(res[0]).toMatchObject({ id: 'INV.SLOW', pass: true });
    expect(res.slice(1)).toEqual([
      { id: 'INV.AFTER1', pass: false, message: 'Not evaluated: the 1 ms evaluation budget was spent', values: {}, error: 'timeout' },
      { id: 'INV.AFTER2', pass: false, message: 'Not evaluated: the 1 ms evaluation budget was spent', values: {}, error: 'timeout' },
    ]);
  });

  it('guard: a timeout denies, with a reason and a next step', () => {
    let t = 0;
    const e = PolicyEngine.fromDir(POLICY_DIR, { monotonic: () => (t += 30) }); // every clock read: +30 ms
    const r = e.guard(summarizeContext());
    expect(r.allowed).toBe(false);
    expect(r.invariants.some((i) => i.error === 'timeout')).toBe(true);
    expect(r.nextSafeStep).toEqual({ code: 'guard.next.retry_timeout' });
  });
});
