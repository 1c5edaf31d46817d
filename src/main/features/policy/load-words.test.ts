// The policy loader's refusals as the reader sees them (Health, alerts): every error the loader gives
// carries a message (guard.load.*) whose English words are exactly its English reason, and whose
// Swedish words differ. The placeholders ({{dotted.path}}) and quotes survive ICU.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IntlMessageFormat } from 'intl-messageformat';
import { causeOf } from '../../../shared/error-messages';
import { splitCode, type Message } from '../../../shared/messages';
import type { PolicyLoadError } from '../../../shared/policy/types';
import { parseInvariantFile } from './invariants';
import { parsePolicy } from './policy';
import { applyOverlay } from './overlay';
import { loadErrorAlert } from './load-errors';

/** A message in words as the renderer says it (ui/error-words: a cause is put into words first), from the locale files. */
function words(lang: string, m: Message | string): string {
  if (typeof m === 'string') return m;
  const { ns, key } = splitCode(m.code);
  const file = JSON.parse(readFileSync(new URL(`../../../renderer/i18n/locales/${lang}/${ns}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
  const source = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], file);
  const { own, cause } = causeOf(m);
  return String(new IntlMessageFormat(source as string, lang).format(cause === null ? own : { ...own, cause: words(lang, cause) }));
}
const storedErrorText = (m: Message | string) => words('en', m);

const inv = (id: string, body: string) =>
  `- id: ${id}\n  scope: x\n  when: { event: step.before }\n${body}\n  plain: { en: { what: w, failed: f, next: x } }\n`;
const assert = (expr: string, message = 'm') => `  assert:\n    - expr: ${JSON.stringify(expr)}\n      message: ${JSON.stringify(message)}`;

const POLICY = `version: 2026.12.1\nparams: { cap: 5, tags: [a, b] }\nlanes: { amountYellowCents: 1, amountRedCents: 2, uncertaintyYellow: 0.5, uncertaintyRed: 0.8, piiLane: YELLOW }\nregions: {}\nconditions:\n  tenant:\n    expr: subject.tenant ==\n    message: m\n  odd:\n    expr: 'true'\n    message: 'x {{a + b}}'\nrules:\n  - id: r\n    roles: [field]\n    actions: [x]\n    conditions: [tenant, nope]\n  - id: r\n    roles: [field]\n    actions: [y]\n`;
const GOOD_POLICY = parsePolicy(
  POLICY.replace('  - id: r\n    roles: [field]\n    actions: [y]', '  - id: r2\n    roles: [field]\n    actions: [y]')
    .replace('subject.tenant ==', "subject.tenant == 'a'")
    .replace('{{a + b}}', '{{a.b}}')
    .replace(', nope', ''),
  'p.yaml',
);

function errors(): PolicyLoadError[] {
  const out: PolicyLoadError[] = [];
  out.push(...parseInvariantFile('- id: [broken\n', 'yaml.yaml').errors);
  out.push(...parseInvariantFile('just text\n', 'shape.yaml').errors);
  out.push(...parseInvariantFile(inv('INV.S', `${assert('true')}\n  next: n\n  nope: 1`), 'schema.yaml').errors);
  out.push(...parseInvariantFile(inv('INV.C', `${assert('run.x + <= 3')}\n  next: n`), 'cel.yaml').errors);
  out.push(...parseInvariantFile(inv('INV.M', `${assert('true', 'total {{run.x + 1}}')}\n  next: n`), 'msg.yaml').errors);
  out.push(...parseInvariantFile(inv('INV.N', `${assert('true')}\n  next: 'do {{a b}}'`), 'next.yaml').errors);
  out.push(...parseInvariantFile(inv('INV.P', `${assert('true')}\n  next: n`).replace('failed: f', "failed: 'F {{run.id}}'"), 'plain.yaml').errors);
  out.push(...parsePolicy(POLICY, 'policy.yaml').errors);
  out.push(...parsePolicy('a: 1\n---\nb: 2\n', 'two.yaml').errors);
  out.push(
    ...parsePolicy(
      POLICY.replace('uncertaintyRed: 0.8', 'uncertaintyRed: 0.4').replace(', nope', '').replace('subject.tenant ==', '1 == 1').replace('{{a + b}}', '{{a.b}}'),
      'lanes.yaml',
    ).errors,
  );
  expect(GOOD_POLICY.errors).toEqual([]);
  const doc = GOOD_POLICY.doc!;
  out.push(...applyOverlay(doc, 'params: { nope: 1 }\n', 'overlay.yaml').errors);
  out.push(...applyOverlay(doc, "params: { cap: 'x' }\n", 'overlay.yaml').errors);
  out.push(...applyOverlay(doc, 'a: 1\n---\nb: 2\n', 'overlay.yaml').errors);
  return out;
}

describe('policy load errors in words', () => {
  it('each has a message whose English is its reason', () => {
    const all = errors();
    const codes = new Set(all.map((e) => e.message?.code));
    for (const key of [
      'yaml',
      'invariant_shape',
      'schema',
      'cel',
      'message_placeholders',
      'next_placeholders',
      'plain_placeholders',
      'condition_cel',
      'condition_placeholders',
      'unknown_condition',
      'duplicate_rule',
      'one_document',
      'lanes_order',
      'overlay_unknown_param',
      'overlay_mismatch',
      'overlay_one_document',
    ])
      expect(codes, key).toContain(`guard.load.${key}`);
    for (const e of all) expect(storedErrorText(e.message!), e.reason).toBe(e.reason);
    // The alert: where, then why.
    const dup = all.find((e) => e.message?.code === 'guard.load.unknown_condition')!;
    expect(storedErrorText(loadErrorAlert(dup, 'policy.yaml:16'))).toBe("policy.yaml:16: rule r: unknown condition 'nope'");
  });

  it('Swedish says them in Swedish', () => {
    const all = errors().filter((e) => !['guard.load.schema', 'guard.load.overlay_mismatch'].includes(e.message!.code));
    for (const e of all) expect(words('sv', e.message!), e.reason).not.toBe(e.reason);
    const placeholders = all.find((e) => e.message?.code === 'guard.load.next_placeholders')!;
    expect(words('sv', placeholders.message!)).toBe('INV.N: platshållare i next måste vara {{dotted.path}}: {{a b}}');
  });
});
