// A run's error line, a step's error and the cards the system writes come as messages (system.*,
// guard.*, risk.*): in English each reads exactly as the sentence the engine wrote before messages;
// other languages have their own words; runs and cards from before show their text as it was stored.
import { beforeAll, afterEach, describe, expect, it } from 'vitest';
import { msg, type Message } from '../../../shared/messages';
import type { RunSummary } from '../../../shared/workflow/views';
import type { Words } from '../../../shared/workflow/types';
import { i18next, initI18n } from '../../i18n';
import { setCurrentLocale } from '../../i18n/current';
import { optionLabel, rationaleText, subjectText, wordsText } from '../cards/system-words';
import { errorLineText } from './run-words';

beforeAll(() => {
  initI18n('en');
});
afterEach(async () => {
  await i18next.changeLanguage('en');
  setCurrentLocale('en');
});

const words = (code: string, params?: Record<string, string | number>, reasons?: Words['reasons'], join?: Words['join']): Words => ({
  text: msg(code, params),
  ...(reasons ? { reasons } : {}),
  ...(join ? { join } : {}),
});
const line = (errorWords: NonNullable<RunSummary['errorWords']>) => errorLineText({ error: 'log form', errorWords }, {});

const NO_RULE = msg('guard.policy.no_rule', { action: 'step.execute:submit', role: 'field' });
const ASK_ADMIN = msg('guard.next.ask_admin_allow', { action: 'step.execute:submit' });
const STALE = msg('risk.refused.stale_never', { count: 0, hours: 24 });

/** [the error as the engine now records it, the line RunDetail showed before messages]. */
const LINES: [NonNullable<RunSummary['errorWords']>, string][] = [
  [
    { what: words('system.run.blocked', { step: 'submit' }), reasons: [NO_RULE], next: ASK_ADMIN },
    'The guard blocked submit — no rule allows step.execute:submit for role field Next: Ask an admin to allow step.execute:submit',
  ],
  [
    { what: words('system.run.step_failed_code', { step: 'submit', code: 'FORBIDDEN' }, [STALE], 'sentences'), reasons: [], next: null },
    'submit failed: FORBIDDEN: Sync to submit: 0 items pending, never synced. A submission needs a sync within the last 24 hours.',
  ],
  [
    {
      what: words('system.run.blocked', { step: 'ai-summarize' }),
      reasons: [msg('guard.policy.guard_failed', { reason: 'engine down' })],
      next: msg('guard.next.guard_failed'),
    },
    'The guard blocked ai-summarize — guard failed: engine down Next: Report this to an admin; the step stays blocked until the guard works again',
  ],
  [
    {
      what: words('system.run.start_blocked'),
      reasons: [msg('guard.policy.no_rule', { action: 'run.start', role: 'field' }), 'INV.TENANT: actor tenant globex is not acme'],
      next: msg('guard.next.ask_admin_allow', { action: 'run.start' }),
    },
    'The guard refused to start the run — no rule allows run.start for role field; INV.TENANT: actor tenant globex is not acme Next: Ask an admin to allow run.start',
  ],
  [
    {
      what: words('system.run.budget_by', { step: 'ai-summarize' }),
      reasons: [
        'INV.ENGINE.WALL_TIME: Wall-time budget exceeded: 660010 > 600000 ms',
        msg('system.run.compensation_failed', { step: 'capture-form', error: 'disk full' }),
      ],
      next: msg('guard.next.raise_budget'),
    },
    'Budget exceeded by ai-summarize — INV.ENGINE.WALL_TIME: Wall-time budget exceeded: 660010 > 600000 ms; Compensation of capture-form failed: disk full Next: Raise the budget in the workflow manifest, or start the run with a smaller input',
  ],
  [
    { what: words('system.run.rejected_comment', { by: 'prof_reviewer', comment: 'Not enough evidence.' }), reasons: [], next: null },
    'Rejected by prof_reviewer: Not enough evidence.',
  ],
  [{ what: words('system.run.rejected', { by: 'prof_reviewer' }), reasons: [], next: null }, 'Rejected by prof_reviewer'],
  [
    { what: words('system.run.step_failed', { step: 'ai-summarize' }, ['model crashed'], 'sentences'), reasons: [], next: null },
    'ai-summarize failed: model crashed',
  ],
  [
    { what: words('system.run.output_blocked', { step: 'submit' }), reasons: [NO_RULE], next: null },
    'The guard refused the output of submit — no rule allows step.execute:submit for role field',
  ],
  [
    {
      what: words('system.run.budget_before', { step: 'verify' }),
      reasons: ['INV.ENGINE.BUDGET_TOKENS: Token budget exceeded: 0 used + 900 estimated > 100 tokens'],
      next: msg('guard.next.raise_budget'),
    },
    'Budget exceeded before verify — INV.ENGINE.BUDGET_TOKENS: Token budget exceeded: 0 used + 900 estimated > 100 tokens Next: Raise the budget in the workflow manifest, or start the run with a smaller input',
  ],
];

describe('a run’s error line in words', () => {
  it.each(LINES)('%j reads in English as the engine wrote it', (w, english) => {
    expect(line(w)).toBe(english);
  });

  it('reads in the reader’s language, never as codes', async () => {
    for (const lng of ['sv', 'fr', 'es', 'sw', 'ar']) {
      await i18next.changeLanguage(lng);
      setCurrentLocale(lng);
      for (const [w, english] of LINES) {
        const text = line(w)!;
        expect(text, lng).not.toBe(english);
        expect(text, lng).not.toMatch(/system\.|guard\.|risk\./);
      }
    }
    await i18next.changeLanguage('sv');
    expect(line(LINES[0]![0])).toBe(
      'Vakten stoppade submit — ingen regel tillåter step.execute:submit för rollen field Nästa steg: Be en administratör att tillåta step.execute:submit',
    );
  });

  it('a run that failed before messages shows its line as it was stored', () => {
    expect(errorLineText({ error: 'The guard blocked submit — no rule allows step.execute:submit for role field' }, {})).toBe(
      'The guard blocked submit — no rule allows step.execute:submit for role field',
    );
    expect(errorLineText({ error: null }, {})).toBeNull();
  });
});

/** [words the system writes, the English text it wrote before messages (and still stores beside them)]. */
const CARD_WORDS: [Words, string][] = [
  [words('system.run.blocked_before', { step: 'submit' }, [NO_RULE]), 'Blocked before submit: no rule allows step.execute:submit for role field'],
  [
    words('system.run.waiting_before', { step: 'review-gate' }, [
      "INV.APPROVAL.RED: A RED-lane review-gate needs a reviewer's approval (approval is not_required)",
    ]),
    "Waiting for a reviewer before review-gate: INV.APPROVAL.RED: A RED-lane review-gate needs a reviewer's approval (approval is not_required)",
  ],
  [
    words('system.run.waiting_output', { step: 'ai-summarize' }, [NO_RULE]),
    'Waiting for a reviewer to accept the output of ai-summarize: no rule allows step.execute:submit for role field',
  ],
  [
    words('system.run.refused_output', { step: 'ai-summarize' }, [NO_RULE]),
    'Refused the output of ai-summarize: no rule allows step.execute:submit for role field',
  ],
  [
    words('system.run.failed_after_code', { step: 'submit', code: 'FORBIDDEN' }, [STALE], 'sentences'),
    'The guard allowed submit, then it failed: FORBIDDEN: Sync to submit: 0 items pending, never synced. A submission needs a sync within the last 24 hours.',
  ],
  [words('system.run.failed_after', { step: 'submit' }, ['disk full'], 'sentences'), 'The guard allowed submit, then it failed: disk full'],
  [
    words('system.run.start_allowed', { contract: 'field.submit.report@1.0.0' }, [
      msg('guard.policy.allowed', { rule: 'test', action: 'run.start', role: 'field' }),
    ]),
    'The input satisfies field.submit.report@1.0.0; rule test allows run.start for role field.',
  ],
  [words('system.run.start_allowed_bare', { contract: 'c@1.0.0' }), 'The input satisfies c@1.0.0; the guard allowed the start.'],
  [words('system.run.start_waits', {}, ['INV.APPROVAL: needs a reviewer']), 'The start waits for a reviewer: INV.APPROVAL: needs a reviewer'],
  [words('system.run.start_refused', {}, [msg('guard.policy.none_loaded')]), 'The start was refused: no policy loaded'],
  [words('system.run.start_subject', { title: 'Site inspection report · RPT-1' }), 'Site inspection report · RPT-1 · start'],
  [words('system.run.start_option', { workflow: 'Site inspection report' }), 'Start Site inspection report'],
  [words('system.run.refuse_option'), 'Do not start'],
  [words('system.run.approve_option'), 'Approve: the run goes on'],
  [words('system.run.reject_option'), 'Reject: the run stops and finished steps are undone'],
  [words('system.run.decision_subject', { title: 'T', decision: 'approved', actor: 'rita' }), 'T · approval by rita'],
  [words('system.run.decision_subject', { title: 'T', decision: 'rejected', actor: 'rita' }), 'T · rejection by rita'],
  [
    words('system.run.decision_refused', { actor: 'sam', run: 'run_1' }, [NO_RULE]),
    'sam may not decide run run_1: no rule allows step.execute:submit for role field',
  ],
  [words('system.run.decided', { decision: 'approved', actor: 'rita', role: 'reviewer' }), 'Approved by rita (reviewer)'],
  [words('system.run.decided_comment', { decision: 'rejected', actor: 'rita', role: 'admin', comment: 'No.' }), 'Rejected by rita (admin): No.'],
  [
    words(
      'system.run.risk',
      { why: 'The rules decide.', lane: 'RED' },
      [msg('guard.lane.red_rule', { rule: "conclusion == 'unsafe'" }), 'said high'],
      'sentences',
    ),
    "The rules decide. Lane RED: The contract's red rule holds for this data: conclusion == 'unsafe'. said high",
  ],
  [
    words(
      'system.run.risk_raised',
      { why: 'W.', lane: 'RED', model: 'm@1', from: 'medium', level: 'high' },
      [msg('guard.lane.model_raised_bare', { model: 'm@1', level: 'high' })],
      'sentences',
    ),
    'W. Lane RED: m@1 raised it from medium to high. The local model m@1 raised the level to high.',
  ],
  [
    words(
      'system.run.risk_kept',
      { why: 'W.', lane: 'YELLOW', model: 'm@1', level: 'low', rule: 'medium' },
      [msg('guard.lane.default', { name: 'c@1', lane: 'YELLOW' })],
      'sentences',
    ),
    'W. Lane YELLOW: m@1 said low; it cannot lower the rule-based medium. Contract c@1 defaults to YELLOW.',
  ],
  [words('system.run.proceed_option'), 'Proceed without a reviewer'],
  [words('system.run.await_option'), 'Wait for a reviewer’s approval'],
  [
    words('system.run.gate_waits', { lane: 'RED', at: 'RED' }, [msg('guard.lane.uncertainty_red', { value: 0.9, limit: 0.8 })], 'sentences'),
    'Lane RED needs a reviewer (gate at RED): Model uncertainty 0.9 is above 0.8.',
  ],
  [words('system.run.gate_approved', { lane: 'RED', by: 'rita', who: 'named' }), 'Lane RED: approved by rita.'],
  [words('system.run.gate_approved', { lane: 'RED', by: '', who: 'none' }), 'Lane RED: approved by a reviewer.'],
  [words('system.run.gate_approved_comment', { lane: 'RED', by: 'rita', who: 'named', comment: 'ok' }), 'Lane RED: approved by rita (“ok”).'],
  [words('system.run.gate_below', { lane: 'GREEN', at: 'RED' }), 'Lane GREEN is below the gate (RED): proceed.'],
  [words('system.run.submit_option'), 'Submit now (record + outbox; sent at the next sync)'],
  [words('system.run.hold_submit_option'), 'Hold (keep the draft, do not submit)'],
  [words('system.run.submitted', { contract: 'c@1' }), 'Submitted under c@1.'],
  [words('system.run.submitted_draft', { contract: 'c@1', draft: 'drf_1' }), 'Submitted under c@1 (from draft drf_1).'],
  [words('system.run.store_record_option'), 'Store the record and queue it for sync'],
  [words('system.run.store_draft_option'), 'Keep it as a draft until the submit step'],
  [words('system.run.store_nothing_option'), 'Store nothing (the run stops)'],
  [
    words('system.run.stored_record', { contract: 'c@1', kind: 'report' }),
    'The input satisfies c@1 (a report contract): stored as a record and queued for sync.',
  ],
  [
    words('system.run.stored_draft', { contract: 'c@1', kind: 'report' }),
    'The input satisfies c@1 (a report contract): kept as a draft; the submit step turns it into a record.',
  ],
  [words('system.quarantine.subject', { name: 'maestro.prompts', version: '1.2.0' }), 'Quarantine maestro.prompts 1.2.0'],
  [words('system.quarantine.fall_back', { version: '1.1.0' }), 'Quarantine and fall back to 1.1.0'],
  [words('system.quarantine.no_fallback'), 'Quarantine (no good version left: its consumers fail closed)'],
  [words('system.quarantine.keep'), 'Keep using the changed files'],
  [
    words('system.quarantine.rationale', { reason: 'a.txt no longer matches its signed SHA-256' }),
    'a.txt no longer matches its signed SHA-256. A file that no longer matches its signed hash is never loaded.',
  ],
  [words('system.gpu.subject', { model: 'm@1' }), 'Run m@1 on the CPU'],
  [words('system.gpu.cpu_option'), 'Load on the CPU (slower)'],
  [words('system.gpu.gpu_option'), 'Load on the GPU'],
  [words('system.gpu.rationale', { reason: 'driver too old' }), 'The GPU could not be used: driver too old'],
  [words('system.gate.subject', { run: 'run_1' }), 'Release gate for run run_1'],
  [words('system.gate.pass_option'), 'Release: the gate passes'],
  [words('system.gate.fail_option'), 'Hold: the gate fails'],
];

/** The evidence gate's lane reasons and the test guard's, as the sentences they replace. */
const GUARD: [Message, string][] = [
  [msg('guard.lane.forced', { lane: 'RED' }), 'Lane forced to RED by the test.'],
  [msg('guard.lane.gate_compliant', { n: 2 }), '2 compliant artifact(s)'],
  [msg('guard.lane.gate_manual', { n: 1 }), '1 compliant artifact(s) rely on flags set by hand'],
  [msg('guard.lane.gate_run_ended', { status: 'rolled_back' }), 'The run ended rolled_back: nothing of it can be released'],
  [msg('guard.lane.gate_rule_invalid'), 'The release-gate rule in the policy is invalid'],
  [msg('guard.lane.gate_rule_error', { error: 'minCompliantArtifacts must be >= 0' }), 'minCompliantArtifacts must be >= 0 (the gate fails closed)'],
  [msg('guard.lane.gate_run_status', { status: 'running' }), 'The run is running; it must have succeeded.'],
  [msg('guard.lane.gate_no_artifacts'), 'The run has no artifacts.'],
  [msg('guard.lane.gate_no_flag', { flag: 'sbom_present' }), 'No artifact has sbom_present (an SBOM).'],
  [msg('guard.lane.gate_no_flag', { flag: 'slsa_provenance_present' }), 'No artifact has slsa_provenance_present (SLSA provenance).'],
  [msg('guard.lane.gate_no_flag', { flag: 'risk_assessment_present' }), 'No artifact has risk_assessment_present (a risk assessment).'],
  [
    msg('guard.lane.gate_too_few', { compliant: 0, required: 1, flags: 'sbom_present, risk_assessment_present' }),
    '0 of 1 required artifact(s) have all of: sbom_present, risk_assessment_present.',
  ],
  [msg('guard.lane.gate_too_few_any', { compliant: 0, required: 2 }), '0 of 2 required artifact(s) have all of: (no flags).'],
  [msg('guard.next.add_evidence'), 'Add the missing evidence and evaluate again'],
];

describe('what the system writes on cards, in words', () => {
  it.each(CARD_WORDS)('%j reads in English as it was written', (w, english) => {
    expect(wordsText(w)).toBe(english);
  });

  it.each(GUARD)('%j reads in English as it was written', (m, english) => {
    expect(wordsText({ text: m })).toBe(english);
  });

  it('every one has words of its own in the other languages', async () => {
    for (const lng of ['sv', 'fr', 'es', 'sw', 'ar']) {
      await i18next.changeLanguage(lng);
      for (const [w, english] of [...CARD_WORDS, ...GUARD.map(([m, e]): [Words, string] => [{ text: m }, e])]) {
        // A subject made only of the record's title reads the same; everything else is translated.
        if (w.text.code === 'system.run.start_subject' && lng === 'sv') continue;
        expect(wordsText(w), `${lng} ${w.text.code}`).not.toBe(english);
        expect(wordsText(w), `${lng} ${w.text.code}`).not.toMatch(/^(system|guard)\./);
      }
    }
  });

  it('a card shows its words when it has them, else its text as stored (cards from before messages)', async () => {
    const card = {
      subject: 'Quarantine maestro.prompts 1.2.0',
      subjectWords: words('system.quarantine.subject', { name: 'maestro.prompts', version: '1.2.0' }),
      rationale: 'Blocked before submit: guard.policy.no_rule {"action":"step.execute:submit","role":"field"}',
      rationaleWords: words('system.run.blocked_before', { step: 'submit' }, [NO_RULE]),
    };
    const option = { label: 'Load on the GPU', labelWords: words('system.gpu.gpu_option') };
    expect([subjectText(card), rationaleText(card), optionLabel(option)]).toEqual([
      'Quarantine maestro.prompts 1.2.0',
      'Blocked before submit: no rule allows step.execute:submit for role field',
      'Load on the GPU',
    ]);
    await i18next.changeLanguage('sv');
    expect([subjectText(card), rationaleText(card), optionLabel(option)]).toEqual([
      'Karantän för maestro.prompts 1.2.0',
      'Stoppad före submit: ingen regel tillåter step.execute:submit för rollen field',
      'Läs in på grafikprocessorn',
    ]);
    const old = { subject: 'Run 1 · start', rationale: 'The start was refused: no rule allows run.start for role field' };
    expect([subjectText(old), rationaleText(old), optionLabel({ label: 'Do not start' })]).toEqual([old.subject, old.rationale, 'Do not start']);
  });
});
