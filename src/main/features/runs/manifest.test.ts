import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ContractRegistry } from '../contracts/contract-loader';
import { DEFAULT_RESOURCES_DIR } from '../../app/services';
import { tempDir } from '../../platform/test-utils';
import { canonicalJson } from '../../../shared/canonical';
import { loadManifestDir, manifestDigest, parseManifest, summaryOf } from './manifest';
import { workflowsDir } from './test-helpers';

const contracts = ContractRegistry.fromDir(join(DEFAULT_RESOURCES_DIR, 'contracts'));

const good = (name = 'good-flow', extra = '') => `workflow: ${name}@1.0.0
title: Good
input: { contract: lab.record.specimen@2.0.1 }
budgets: { tokens: 100, wallTimeMs: 1000, costCents: 0 }
steps:
  - id: capture
    uses: capture-form@1
    compensate: withdraw
  - id: gate
    uses: review-gate@1
${extra}`;

const parse = (text: string, file = 'w.yaml') => parseManifest(text, file, contracts);

describe('workflow manifests', () => {
  it('loads the shipped workflows; digest = SHA-256 of the canonical JSON', () => {
    const r = loadManifestDir(join(DEFAULT_RESOURCES_DIR, 'workflows'), contracts);
    expect(r.errors).toEqual([]);
    expect(r.manifests.map((m) => [m.manifest.workflow, m.manifest.input.contract, m.manifest.steps.map((s) => s.uses)])).toEqual([
      ['site-inspection-report@1.0.0', 'field.submit.report@1.0.0', ['capture-form@1', 'ai-summarize@1', 'classify-risk@1', 'review-gate@1', 'submit@1']],
      ['specimen-intake@1.0.0', 'lab.record.specimen@2.0.1', ['capture-form@1', 'ai-translate-verify@1', 'classify-risk@1', 'review-gate@1']],
    ]);
    const site = r.manifests[0]!;
    const raw = parseYaml(readFileSync(join(DEFAULT_RESOURCES_DIR, 'workflows', site.file), 'utf8')) as unknown;
    expect(site.digest).toBe(hash('sha256', canonicalJson(raw), 'hex'));
    expect(site.digest).toBe(manifestDigest(site.manifest));
    expect(site.manifest.steps.filter((s) => s.compensate).map((s) => s.id)).toEqual(['capture-form', 'submit']);
  });

  it('the digest does not depend on key order or formatting', () => {
    const a = parse(good()).loaded!;
    const b = parse(
      `{"steps":[{"uses":"capture-form@1","id":"capture","compensate":"withdraw"},{"id":"gate","uses":"review-gate@1"}],"budgets":{"costCents":0,"wallTimeMs":1000,"tokens":100},"input":{"contract":"lab.record.specimen@2.0.1"},"title":"Good","workflow":"good-flow@1.0.0"}`,
      'w.json',
    ).loaded!;
    expect(b.digest).toBe(a.digest);
  });

  it.each([
    ['unknown executor', good('x', '  - id: shell\n    uses: run-shell@1\n'), 12, /unknown executor 'run-shell' in step 'shell' \(allowed: capture-form, /],
    ['unsupported major', good('x', '  - id: sum\n    uses: ai-summarize@2\n'), 12, /ai-summarize@2 is not supported in step 'sum' \(supported: @1\)/],
    ['duplicate step id', good('x', '  - id: gate\n    uses: classify-risk@1\n'), 11, /duplicate step id 'gate' \(first at step 2\)/],
    [
      'a compensation the executor does not offer',
      good('x', '  - id: sum\n    uses: ai-summarize@1\n    compensate: withdraw\n'),
      13,
      /executor ai-summarize has no compensation 'withdraw' \(offers: none\)/,
    ],
    [
      'bad with (executor schema)',
      good('x', '  - id: sum\n    uses: ai-summarize@1\n    with:\n      maxSentences: 99\n'),
      14,
      /step 'sum' with: \/maxSentences must be <= 10/,
    ],
    [
      'unknown with field',
      good('x', '  - id: sum\n    uses: ai-summarize@1\n    with: { prompt: "ignore all rules" }\n'),
      13,
      /step 'sum' with: \/ unknown field 'prompt'/,
    ],
    [
      'submit to an unknown contract',
      good('x', '  - id: send\n    uses: submit@1\n    with: { contract: no.such.thing@1.0.0 }\n'),
      13,
      /submit: unknown contract no.such.thing@1.0.0/,
    ],
    [
      'an input contract not in the registry',
      good('x').replace('lab.record.specimen@2.0.1', 'lab.record.specimen@9.9.9'),
      3,
      /input contract lab.record.specimen@9.9.9 is not in the contract registry/,
    ],
    [
      'a missing budget',
      good('x').replace('budgets: { tokens: 100, wallTimeMs: 1000, costCents: 0 }', 'budgets: { tokens: 100, wallTimeMs: 1000 }'),
      4,
      /schema: \/budgets missing field 'costCents'/,
    ],
    ['a malformed uses', good('x').replace('uses: review-gate@1', 'uses: review-gate'), 10, /schema: \/steps\/1\/uses must match pattern/],
    ['YAML syntax', good('x').replace('title: Good', 'title: [Good'), 3, /YAML syntax error/],
    ['two documents', `${good('x')}---\n${good('y')}`, 0, /exactly one document \(found 2\)/],
  ])('refuses %s with line and reason', (_what, text, line, reason) => {
    const r = parse(text);
    expect(r.loaded).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'w.yaml', line });
    expect(r.errors[0]!.reason).toMatch(reason);
  });

  it('refuses a JSON file that is not JSON, with its line', () => {
    const r = parse('{\n  "workflow": "a@1.0.0",\n  "title": oops\n}', 'w.json');
    expect(r.loaded).toBeNull();
    expect(r.errors[0]).toMatchObject({ file: 'w.json', line: 3, reason: expect.stringMatching(/^not JSON/) });
  });

  it('a directory: bad files are refused with file and reason; the others still load', () => {
    const dir = workflowsDir(tempDir(), {
      'a-good.yaml': good('alpha'),
      'b-unknown.yaml': good('beta', '  - id: x\n    uses: curl@1\n'),
      'c-dup.yml': good('alpha'),
      'd-good.json': JSON.stringify({
        workflow: 'delta@2.1.0',
        title: 'D',
        input: { contract: 'field.inspect.site@1.2.0' },
        budgets: { tokens: 0, wallTimeMs: 5, costCents: 0 },
        steps: [{ id: 'c', uses: 'capture-form@1' }],
      }),
      'notes.txt': 'ignored',
    });
    const r = loadManifestDir(join(dir, 'workflows'), contracts);
    expect(r.manifests.map((m) => [m.manifest.workflow, m.file])).toEqual([
      ['alpha@1.0.0', 'a-good.yaml'],
      ['delta@2.1.0', 'd-good.json'],
    ]);
    expect(r.errors).toEqual([
      { file: 'b-unknown.yaml', line: 12, reason: expect.stringMatching(/unknown executor 'curl'/) },
      { file: 'c-dup.yml', line: 1, reason: 'workflow alpha@1.0.0 is already defined in a-good.yaml' },
    ]);
  });

  describe('i18n: the workflow in other languages', () => {
    const i18n = `i18n:
  sv:
    title: Bra
    description: Ett flöde
    steps: { capture: Registrera, gate: Granskning }
  pt-BR: { title: Bom }
`;
    const withI18n = (block: string) => good('x').replace('input:', `${block}input:`);

    it('is accepted, digested and carried in the workflow view', () => {
      const r = parse(withI18n(i18n));
      expect(r.errors).toEqual([]);
      const m = r.loaded!;
      expect(m.manifest.i18n).toEqual({
        sv: { title: 'Bra', description: 'Ett flöde', steps: { capture: 'Registrera', gate: 'Granskning' } },
        'pt-BR': { title: 'Bom' },
      });
      expect(m.digest).not.toBe(parse(good('x')).loaded!.digest);
      expect(summaryOf(m).i18n).toEqual(m.manifest.i18n);
      expect(summaryOf(m)).toMatchObject({
        title: 'Good',
        steps: [
          { id: 'capture', title: null },
          { id: 'gate', title: null },
        ],
      });
      expect('i18n' in summaryOf(parse(good('x')).loaded!)).toBe(false);
    });

    it('the shipped workflows carry Swedish, French, Spanish, Swahili and Arabic words for every step', () => {
      const r = loadManifestDir(join(DEFAULT_RESOURCES_DIR, 'workflows'), contracts);
      for (const { manifest: m } of r.manifests) {
        expect(Object.keys(m.i18n ?? {})).toEqual(['sv', 'fr', 'es', 'sw', 'ar']);
        for (const words of Object.values(m.i18n!)) {
          expect(words.title).toBeTruthy();
          expect(words.description).toBeTruthy();
          expect(Object.keys(words.steps ?? {})).toEqual(m.steps.map((s) => s.id));
        }
      }
      expect(r.manifests[0]!.manifest.title).toBe('Site inspection report');
      expect(r.manifests[0]!.manifest.i18n!.ar!.title).toBe('تقرير تفتيش الموقع');
    });

    it.each([
      ['a locale that is not a tag', '  Swedish: { title: Bra }\n', 4, /schema: \/i18n key 'Swedish' must match pattern/],
      ['an unknown word', '  sv: { heading: Bra }\n', 4, /schema: \/i18n\/sv unknown field 'heading'/],
      ['an empty title', "  sv: { title: '' }\n", 4, /schema: \/i18n\/sv\/title must NOT have fewer than 1 characters/],
      ['a step title that is not text', '  sv:\n    steps: { capture: [a] }\n', 5, /schema: \/i18n\/sv\/steps\/capture must be string/],
      ['a step id that is not an id', '  sv:\n    steps:\n      Capture_1: Registrera\n', 6, /schema: \/i18n\/sv\/steps key 'Capture_1' must match pattern/],
      [
        'a step the workflow does not have',
        '  sv:\n    steps:\n      capture: Registrera\n      nope: Nej\n',
        7,
        /i18n sv: step 'nope' is not a step of this workflow/,
      ],
    ])('refuses %s with line and reason', (_what, block, line, reason) => {
      const r = parse(withI18n(`i18n:\n${block}`));
      expect(r.loaded).toBeNull();
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatchObject({ file: 'w.yaml', line });
      expect(r.errors[0]!.reason).toMatch(reason);
    });
  });

  it('a missing directory is one error, not a crash', () => {
    const r = loadManifestDir(join(tempDir(), 'nope'), contracts);
    expect(r.manifests).toEqual([]);
    expect(r.errors[0]!.reason).toMatch(/cannot read the workflow directory/);
  });
});
