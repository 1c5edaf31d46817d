// Lane reasons, next safe steps and policy reasons are codes with params (guard.*): in English each
// reads exactly as the sentence the main process wrote before; other languages have their own words.
import { beforeAll, describe, expect, it } from 'vitest';
import { msg, type Message } from '../../../shared/messages';
import { i18next, initI18n } from '../../i18n';
import { setCurrentLocale } from '../../i18n/current';
import { messageText } from '../../ui/message';
import { nextStepText, reasonText } from './reason-words';

beforeAll(() => {
  initI18n('en');
});

/** [message, the English sentence it replaces (as lanes.ts, policy.ts, index.ts and the cards wrote it)]. */
const CASES: [Message, string][] = [
  [msg('guard.lane.default_unknown', { name: 'site@1.0.0', value: 'PURPLE' }), 'Contract site@1.0.0 has an unknown default lane (PURPLE), so RED.'],
  [msg('guard.lane.default', { name: 'field.submit.report@1.0.0', lane: 'YELLOW' }), 'Contract field.submit.report@1.0.0 defaults to YELLOW.'],
  [
    msg('guard.lane.red_rule_error', { rule: 'severity ==', error: 'syntax error' }),
    "The contract's red rule (severity ==) could not be evaluated (syntax error), so RED.",
  ],
  [msg('guard.lane.red_rule', { rule: "conclusion == 'unsafe'" }), "The contract's red rule holds for this data: conclusion == 'unsafe'."],
  [
    msg('guard.lane.amount_invalid', { field: 'estimatedRepairCents', value: '99.5' }),
    'Amount estimatedRepairCents is 99.5, not a non-negative integer number of cents, so RED.',
  ],
  [
    msg('guard.lane.amount_red', { field: 'estimatedRepairCents', cents: 1_500_000, limit: 1_000_000 }),
    'Amount estimatedRepairCents is 1500000 cents, above the RED threshold of 1000000 cents.',
  ],
  [
    msg('guard.lane.amount_yellow', { field: 'estimatedRepairCents', cents: 100_001, limit: 100_000 }),
    'Amount estimatedRepairCents is 100001 cents, above the YELLOW threshold of 100000 cents.',
  ],
  [msg('guard.lane.pii', { n: 1, fields: '/inspector/name' }), '1 PII field in plaintext in the outgoing data (/inspector/name).'],
  [
    msg('guard.lane.pii', { n: 2, fields: '/inspector/name, /inspector/phone' }),
    '2 PII fields in plaintext in the outgoing data (/inspector/name, /inspector/phone).',
  ],
  [msg('guard.lane.uncertainty_invalid', { value: 'NaN' }), 'Model uncertainty NaN is not a number in 0..1, so RED.'],
  [msg('guard.lane.uncertainty_red', { value: 0.81, limit: 0.8 }), 'Model uncertainty 0.81 is above 0.8.'],
  [msg('guard.lane.uncertainty_yellow', { value: 0.62, limit: 0.5 }), 'Model uncertainty 0.62 is above 0.5.'],
  [
    msg('guard.lane.injection', { flagged: 1, n: 2, score: '2.10', families: 'override, governance' }),
    'Prompt injection detected in 1 of 2 AI inputs (score 2.10; override, governance).',
  ],
  [
    msg('guard.lane.injection', { flagged: 1, n: 1, score: '1.00', families: 'override' }),
    'Prompt injection detected in 1 of 1 AI input (score 1.00; override).',
  ],
  [msg('guard.lane.failed', { error: 'boom' }), 'Lane rules failed (boom), so RED.'],
  [msg('guard.lane.none'), 'No risk signal: no contract hint, amount, plaintext PII, uncertainty or injection.'],
  [msg('guard.lane.not_assessed', { reason: 'invalid now: yesterday' }), 'The action could not be assessed (invalid now: yesterday), so RED.'],
  [msg('guard.lane.guard_failed', { reason: 'engine down' }), 'The guard failed (engine down), so RED.'],
  [msg('guard.lane.no_classification'), 'No lane classification, so RED.'],
  [msg('guard.lane.no_guard_lane'), 'The guard gave no lane, so RED.'],
  [
    msg('guard.lane.model_raised', { model: 'model.tiny-text@1.0.0', level: 'high', reasons: 'said high' }),
    'The local model model.tiny-text@1.0.0 raised the level to high: said high',
  ],
  [msg('guard.lane.model_raised_bare', { model: 'model.tiny-text@1.0.0', level: 'high' }), 'The local model model.tiny-text@1.0.0 raised the level to high.'],
  [msg('guard.lane.bundle_tampered', { name: 'maestro.policy', version: '1.2.0' }), 'sealed bundle tampered'],
  [msg('guard.lane.gpu_unavailable'), 'GPU unavailable'],
  [msg('guard.next.fix_request'), 'Fix the request and retry'],
  [msg('guard.next.report_admin'), 'Report this to an admin; the action stays blocked'],
  [msg('guard.next.ask_admin'), 'Ask an admin: the policy does not allow this action'],
  [msg('guard.next.retry_timeout'), 'Retry; if the checks keep running out of time, ask an admin to review the invariants'],
  [msg('guard.next.supply', { what: 'step.estimatedMs', id: 'INV.RUN.WALL_TIME' }), 'Supply step.estimatedMs (INV.RUN.WALL_TIME needs it) and retry'],
  [msg('guard.next.invariant', { id: 'INV.APPROVAL.RED', text: 'Ask a reviewer to approve' }), 'Ask a reviewer to approve'],
  [msg('guard.next.policy', { text: 'Ask for at most 500000 cents' }), 'Ask for at most 500000 cents'],
  [msg('guard.next.reload_policy'), 'Reload a valid policy document (resources/policy/policy.yaml)'],
  [msg('guard.next.sign_in_role'), 'Sign in with a profile that has the field, reviewer or admin role'],
  [
    msg('guard.next.ask_role', { a: 'reviewer', b: 'admin', action: 'approval.decide' }),
    'Ask someone with the reviewer or admin role to do this (approval.decide)',
  ],
  [msg('guard.next.ask_role', { a: 'admin', b: 'none', action: 'budget.raise' }), 'Ask someone with the admin role to do this (budget.raise)'],
  [msg('guard.next.no_role', { action: 'records.purge', version: '2026.12.5' }), 'No role may do records.purge under policy 2026.12.5; ask an admin'],
  [msg('guard.next.guard_failed'), 'Report this to an admin; the step stays blocked until the guard works again'],
  [msg('guard.next.reviewer_decides', { run: 'run_1' }), 'A reviewer or admin approves or rejects run run_1'],
  [msg('guard.next.raise_budget'), 'Raise the budget in the workflow manifest, or start the run with a smaller input'],
  [
    msg('guard.next.bundle_fallback', { version: '1.1.0', name: 'maestro.prompts' }),
    'Version 1.1.0 is active; re-install maestro.prompts from a trusted source',
  ],
  [msg('guard.next.bundle_reinstall', { name: 'maestro.prompts' }), 'Re-install maestro.prompts from a trusted source (sealed-state view)'],
  [msg('guard.next.check_gpu'), 'Check the GPU driver (Health → models), then reload models'],
  [msg('guard.policy.none_loaded'), 'no policy loaded'],
  [msg('guard.policy.unknown_role', { role: 'guest' }), 'unknown role guest'],
  [msg('guard.policy.no_rule', { action: 'approval.decide', role: 'field' }), 'no rule allows approval.decide for role field'],
  [
    msg('guard.policy.condition_missing', { rule: 'run-steps', condition: 'residency', values: 'actor.region' }),
    'rule run-steps: condition residency could not be evaluated: missing value: actor.region',
  ],
  [
    msg('guard.policy.condition_error', { rule: 'r', condition: 'c', error: 'no such overload' }),
    'rule r: condition c could not be evaluated: no such overload',
  ],
  [msg('guard.policy.condition_not_bool', { rule: 'r', condition: 'c' }), 'rule r: condition c returned a non-bool value'],
  [
    msg('guard.policy.condition_failed', { rule: 'run-steps', text: 'actor tenant globex is not the tenant of the subject (acme)' }),
    'rule run-steps: actor tenant globex is not the tenant of the subject (acme)',
  ],
  [msg('guard.policy.allowed', { rule: 'run-steps', action: 'run.start', role: 'field' }), 'rule run-steps allows run.start for role field'],
  [msg('guard.policy.failed', { error: 'boom' }), 'policy evaluation failed: boom'],
  [msg('guard.policy.not_assessed', { reason: 'invalid now: yesterday' }), 'invalid now: yesterday'],
  [msg('guard.policy.guard_failed', { reason: 'engine down' }), 'guard failed: engine down'],
  [msg('guard.policy.not_asked'), 'not asked: the executor could not prepare'],
  [msg('guard.policy.cpu_instead', { model: 'm' }), 'model runs on the CPU instead of the GPU'],
  [msg('guard.field.red_when', { rule: "conclusion == 'unsafe'" }), "The contract marks a report RED when conclusion == 'unsafe'."],
  [msg('guard.health.none'), 'No policy loaded: every guarded action is refused (fail closed).'],
  [msg('guard.health.loaded', { version: '2026.12.5', invariants: 23, workflows: 3 }), 'Policy 2026.12.5: 23 invariants, 3 workflows.'],
  [
    // With files refused, the header; each refused file follows as its own guard.health.problem (policy/load-words.test.ts).
    msg('guard.health.loaded_refused', { version: '2026.12.5', invariants: 23, workflows: 3, refused: 1 }),
    'Policy 2026.12.5: 23 invariants, 3 workflows; 1 file(s) refused, previous set in force:',
  ],
  [msg('guard.health.development'), 'DEVELOPMENT policy overlay in force (MAESTRO_DEV_POLICY=1): the test models may run; not for real work.'],
];

/** Messages that carry only the author's or the engine's own text: the same in every language. */
const VERBATIM = new Set(['guard.next.invariant', 'guard.next.policy', 'guard.policy.not_assessed']);

describe('guard messages', () => {
  it.each(CASES)('%o reads in English as it always did', async (m, english) => {
    await i18next.changeLanguage('en');
    expect(messageText(m)).toBe(english);
    for (const lng of ['sv', 'ar']) {
      await i18next.changeLanguage(lng);
      const text = messageText(m);
      expect(text, `${m.code} in ${lng}`).not.toBe(m.code);
      if (!VERBATIM.has(m.code)) expect(text, `${m.code} in ${lng}`).not.toBe(english);
    }
    await i18next.changeLanguage('en');
  });

  it('a reason stored before messages (a plain string) shows as it is', () => {
    expect(reasonText('Model uncertainty 0.62 is above 0.5.')).toBe('Model uncertainty 0.62 is above 0.5.');
    expect(reasonText(msg('guard.lane.uncertainty_yellow', { value: 0.62, limit: 0.5 }))).toBe('Model uncertainty 0.62 is above 0.5.');
  });

  it("an invariant's next step: the policy's plain words in the reader's language, else the filled text", async () => {
    const next = msg('guard.next.invariant', { id: 'INV.APPROVAL.RED', text: 'Ask a reviewer to approve' });
    const texts = {
      'INV.APPROVAL.RED': {
        en: { what: 'w', failed: 'f', next: 'Ask a reviewer.' },
        sv: { what: 'v', failed: 'm', next: 'Be en granskare godkänna.' },
      },
    };
    // English keeps the sentence it always showed (the filled `next`).
    expect(nextStepText(next, texts, 'en')).toBe('Ask a reviewer to approve');
    expect(nextStepText(next, texts, 'sv')).toBe('Be en granskare godkänna.');
    // A language the policy has no words in: the filled text, as the policy wrote it.
    await i18next.changeLanguage('fr');
    setCurrentLocale('fr');
    try {
      expect(nextStepText(next, texts)).toBe('Ask a reviewer to approve');
      expect(nextStepText(msg('guard.next.raise_budget'), texts)).not.toBe('Raise the budget in the workflow manifest, or start the run with a smaller input');
    } finally {
      await i18next.changeLanguage('en');
      setCurrentLocale('en');
    }
    expect(nextStepText('Check the GPU driver', texts)).toBe('Check the GPU driver');
  });
});
