// Safe shipped defaults (issue 19 item 5, docs/decisions/0026): the shipped policy has four eyes on
// and no test model; the development overlay (resources/policy-dev) only adds the test model, and a
// policy under it says so in its version. Both read through the engine, from resources/.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dirTree } from '../../platform/util/resource-tree';
import { PolicyEngine } from './index';
import { approvalContext, DEV_POLICY_DIR, POLICY_DIR, summarizeContext } from './fixtures';

const TINY = 'model.tiny-text@1.0.0';
const shipped = PolicyEngine.fromDir(POLICY_DIR);
const dev = PolicyEngine.fromDir(POLICY_DIR, { overlay: () => dirTree(DEV_POLICY_DIR) });
const failed = (r: ReturnType<PolicyEngine['guard']>) => r.invariants.filter((i) => !i.pass).map((i) => i.id);

/** A summarize step on the tiny test model. */
function tinyStep() {
  const c = summarizeContext();
  c.ai = { ...c.ai!, modelId: TINY };
  return c;
}

/** A policy engine over the shipped policy with `overlay` as its overlay.yaml. */
function withOverlay(overlay: string): PolicyEngine {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-overlay-'));
  writeFileSync(join(dir, 'overlay.yaml'), overlay);
  return PolicyEngine.fromDir(POLICY_DIR, { overlay: () => dirTree(dir) });
}

describe('the shipped policy (resources/policy/policy.yaml, through the engine)', () => {
  it('has four eyes on and allows no test model', () => {
    expect(shipped.lastErrors()).toEqual([]);
    const params = shipped.params()!;
    expect(params.fourEyes).toBe(true);
    expect(params.allowedModels).not.toContain(TINY);
    expect((params.allowedModels as string[]).filter((m) => /tiny|test/i.test(m))).toEqual([]);
    expect(shipped.version()).toMatch(/^\d{4}\.\d{1,2}\.\d+$/);
  });

  it('refuses an AI step on the test model, and a reviewer deciding on their own run', () => {
    const r = shipped.guard(tinyStep());
    expect(r.allowed).toBe(false);
    expect(failed(r)).toEqual(['INV.AI.MODEL_ALLOWED']);
    const own = approvalContext();
    own.run = { ...own.run!, ownerId: own.actor.id };
    expect(failed(shipped.guard(own))).toEqual(['INV.APPROVAL.NOT_OWN_RUN']);
  });
});

describe('the development overlay (resources/policy-dev/overlay.yaml)', () => {
  it('only adds the test model: version <shipped>+dev, every other param as shipped, four eyes still on', () => {
    expect(dev.lastErrors()).toEqual([]);
    expect(dev.version()).toBe(`${shipped.version()}+dev`);
    const { allowedModels, ...rest } = dev.params()!;
    const { allowedModels: shippedModels, ...shippedRest } = shipped.params()!;
    expect(allowedModels).toEqual([...(shippedModels as string[]), TINY]);
    expect(rest).toEqual(shippedRest);
    expect(rest.fourEyes).toBe(true);
    const overlay = parse(readFileSync(join(DEV_POLICY_DIR, 'overlay.yaml'), 'utf8')) as { params: Record<string, unknown> };
    expect(Object.keys(overlay.params)).toEqual(['allowedModels']);
  });

  it('lets an AI step run on the test model, and every decision says a development policy decided', () => {
    const r = dev.guard(tinyStep());
    expect(r).toMatchObject({ allowed: true, policy: { decision: 'allow', policyVersion: `${shipped.version()}+dev` } });
    const own = approvalContext();
    own.run = { ...own.run!, ownerId: own.actor.id };
    expect(failed(dev.guard(own))).toEqual(['INV.APPROVAL.NOT_OWN_RUN']);
  });

  it('replaces a scalar or a list, and adds to a list only what is not there yet', () => {
    const e = withOverlay('params:\n  maxRunTokens: 4000000\n  translationLanguages: [en, fi]\n  allowedModels: { add: [extractive@1, x@1, x@1] }\n');
    expect(e.lastErrors()).toEqual([]);
    expect(e.params()).toMatchObject({ maxRunTokens: 4000000, translationLanguages: ['en', 'fi'] });
    expect(e.params()!.allowedModels).toEqual([...(shipped.params()!.allowedModels as string[]), 'x@1']);
  });
});

describe('overlay validation: anything but same-typed changes to existing params is refused, and so is the whole load', () => {
  const cases: [string, string, RegExp][] = [
    ['an unknown param', 'params:\n  allowAll: true\n', /params\.allowAll is not a param of policy\.yaml/],
    ['a number for a boolean', 'params:\n  fourEyes: 0\n', /params\.fourEyes: a boolean param cannot become a number/],
    ['a string for a number', "params:\n  maxRunTokens: '9'\n", /params\.maxRunTokens: a number param cannot become a string/],
    ['a scalar for a list', 'params:\n  allowedModels: model.tiny-text@1.0.0\n', /a list param cannot become a string/],
    ['add to a scalar', 'params:\n  maxRunTokens: { add: [5] }\n', /'add' needs a list param, and it is a number/],
    ['a number into a list of strings', 'params:\n  allowedModels: { add: [7] }\n', /item 7 is a number; the list holds string items/],
    ['a key other than params', 'params:\n  fourEyes: true\nrules: []\n', /schema: \/ .*rules/],
    ['a new version', 'version: 2099.1.1\nparams:\n  fourEyes: true\n', /schema: \/ .*version/],
    ['no params', 'params: {}\n', /schema: \/params/],
    ['a nested object', 'params:\n  lanes: { amountRedCents: 1 }\n', /schema: \/params\/lanes/],
    ['two documents', 'params:\n  fourEyes: true\n---\nparams:\n  fourEyes: false\n', /exactly one YAML document/],
    ['broken YAML', 'params: [\n', /YAML syntax error/],
  ];
  for (const [what, text, reason] of cases)
    it(`refuses ${what}`, () => {
      const e = withOverlay(text);
      expect(e.version()).toBeNull();
      expect(e.lastErrors()).toEqual([expect.objectContaining({ file: expect.stringMatching(/overlay\.yaml$/), reason: expect.stringMatching(reason) })]);
      expect(e.guard(tinyStep()).allowed).toBe(false);
    });

  it('reports the line of the refused param', () => {
    const e = withOverlay('# a comment\nparams:\n  fourEyes: true\n  nope: 1\n');
    expect(e.lastErrors()).toMatchObject([{ line: 4 }]);
  });

  it('a tree without overlay.yaml is refused; a broken overlay on reload leaves the previous set in force', () => {
    const empty = mkdtempSync(join(tmpdir(), 'maestro-overlay-'));
    const none = PolicyEngine.fromDir(POLICY_DIR, { overlay: () => dirTree(empty) });
    expect(none.version()).toBeNull();
    expect(none.lastErrors()[0]!.reason).toMatch(/cannot read the development policy overlay/);

    const dir = mkdtempSync(join(tmpdir(), 'maestro-overlay-'));
    cpSync(DEV_POLICY_DIR, dir, { recursive: true });
    const e = PolicyEngine.fromDir(POLICY_DIR, { overlay: () => dirTree(dir) });
    expect(e.version()).toMatch(/\+dev$/);
    writeFileSync(join(dir, 'overlay.yaml'), 'params:\n  fourEyes: off\n');
    expect(e.reload().ok).toBe(false);
    expect(e.version()).toMatch(/\+dev$/);
    expect(e.guard(tinyStep()).allowed).toBe(true);
  });
});
