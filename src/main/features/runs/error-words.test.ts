// Run errors and the cards the system writes carry their words as messages (decision 0030) beside the
// log form that logs, audit entries and search keep: the engine's refusals, step failures, rejections
// and its cards' rationales, subjects and option labels; the quarantine and GPU-fallback cards.
import { describe, expect, it } from 'vitest';
import { makeServices, tempDir } from '../../platform/test-utils';
import { msg } from '../../../shared/messages';
import { toRunSummaryView, toRunView } from '../../../shared/workflow/run-views';
import { runViewSchema } from '../../../shared/workflow/schemas';
import { compileSchema } from '../../../shared/validation';
import { quarantineCard } from '../bundles/quarantine-card';
import type { InstallRow } from '../bundles/install-rows';
import { gpuFallbackCard } from '../inference/gpu-fallback';
import { fakeGuard } from './testing';
import { prepareDevice, report, REPORT_WF, reviewer, runServiceFor, wallClock } from './test-helpers';

function device(o: { fresh?: boolean } = {}) {
  const s = makeServices({ dataDir: tempDir(), clock: wallClock().clock });
  prepareDevice(s, o);
  return s;
}

const NO_RULE = msg('guard.policy.no_rule', { action: 'step.execute:submit', role: 'field' });
const ASK_ADMIN = msg('guard.next.ask_admin_allow', { action: 'step.execute:submit' });

describe('run errors in words', () => {
  it('a policy refusal: the guard’s reasons as messages beside their log form; the view carries them with the next step', async () => {
    const s = device();
    const runs = runServiceFor(s, { guard: fakeGuard({ denyActions: ['step.execute:submit'] }) });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run.error).toMatchObject({
      message: 'The guard blocked submit',
      reasons: ['guard.policy.no_rule {"action":"step.execute:submit","role":"field"}'],
      words: { what: { text: msg('system.run.blocked', { step: 'submit' }) }, reasons: [NO_RULE] },
    });
    const view = toRunView(run);
    expect(view.error).toBe(
      'The guard blocked submit — guard.policy.no_rule {"action":"step.execute:submit","role":"field"} Next: guard.next.ask_admin_allow {"action":"step.execute:submit"}',
    );
    expect(view.errorWords).toEqual({ what: { text: msg('system.run.blocked', { step: 'submit' }) }, reasons: [NO_RULE], next: ASK_ADMIN });
    expect(compileSchema(runViewSchema)(view)).toBe(true);
    expect(view.steps.find((x) => x.stepId === 'submit')).toMatchObject({
      error: 'The guard blocked submit',
      errorWords: { text: msg('system.run.blocked', { step: 'submit' }) },
    });
    // The denied card: its rationale in log form (search, audit) and as words.
    const card = runs.cards.get(run.error!.cardId!);
    expect(card.rationale).toBe('Blocked before submit: guard.policy.no_rule {"action":"step.execute:submit","role":"field"}');
    expect(card.rationaleWords).toEqual({ text: msg('system.run.blocked_before', { step: 'submit' }), reasons: [NO_RULE] });
  });

  it('governance refuses the submit: the step failure carries governance’s own messages, in sentences', async () => {
    const runs = runServiceFor(device({ fresh: false }));
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    const what = run.error!.words!.what;
    expect(what).toMatchObject({ text: msg('system.run.step_failed_code', { step: 'submit', code: 'FORBIDDEN' }), join: 'sentences' });
    expect(what.reasons).toEqual([msg('risk.refused.stale_never', { count: 0, hours: 24 })]);
    // Its reasons are the refusal itself (already in the line): nothing is repeated after it.
    expect(run.error!.words!.reasons).toEqual([]);
    expect(toRunView(run).steps.find((x) => x.stepId === 'submit')!.errorWords).toEqual(what);
    const card = runs.cards.forRun(run.id).find((c) => c.stepId === 'submit')!;
    expect(card.rationaleWords).toMatchObject({ text: msg('system.run.failed_after_code', { step: 'submit', code: 'FORBIDDEN' }), reasons: what.reasons });
  });

  it('a guard that throws: its failure as a message', async () => {
    const s = device();
    const runs = runServiceFor(s, {
      guard: {
        guard: (c) => {
          if (c.event === 'step.before' && c.step?.executor === 'ai-summarize') throw new Error('engine down');
          return fakeGuard().guard(c);
        },
      },
    });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run.error!.words).toEqual({
      what: { text: msg('system.run.blocked', { step: 'ai-summarize' }) },
      reasons: [msg('guard.policy.guard_failed', { reason: 'engine down' })],
    });
    expect(toRunSummaryView(run).errorWords!.next).toEqual(msg('guard.next.guard_failed'));
  });

  it('a refused start: the error, and the start card’s subject, options and rationale', async () => {
    const s = device();
    const runs = runServiceFor(s, { guard: fakeGuard({ denyActions: ['run.start'] }) });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    const NO_START = msg('guard.policy.no_rule', { action: 'run.start', role: 'field' });
    expect(run.error!.words).toEqual({ what: { text: msg('system.run.start_blocked') }, reasons: [NO_START] });
    const [card] = runs.cards.forRun(run.id);
    expect(card!.subjectWords).toEqual({ text: msg('system.run.start_subject', { title: run.title, workflow: REPORT_WF }) });
    expect(card!.options.map((o) => o.labelWords?.text.code)).toEqual(['system.run.start_option', 'system.run.refuse_option']);
    expect(card!.rationaleWords).toEqual({ text: msg('system.run.start_refused'), reasons: [NO_START] });
  });

  it('a rejection: the reviewer’s comment is part of the words, not repeated after them; the cards say who decided', async () => {
    const s = device();
    const runs = runServiceFor(s);
    const waiting = await runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe' }) });
    const gate = runs.cards.get(waiting.steps[3]!.cardIds[0]!);
    // The approval invariant's own words stay text inside the message.
    expect(gate.rationaleWords).toEqual({
      text: msg('system.run.waiting_before', { step: 'review-gate' }),
      reasons: [expect.stringMatching(/^INV\.APPROVAL\.RED: /)],
    });
    const admin = { ...reviewer, role: 'admin' as const };
    const done = await runs.decide(waiting.id, { decision: 'rejected', comment: 'Not enough evidence.', actor: admin });
    expect(done.error!.words).toEqual({
      what: { text: msg('system.run.rejected_comment', { by: 'prof_reviewer', comment: 'Not enough evidence.' }) },
      reasons: [],
    });
    const decided = runs.cards.forRun(done.id).find((c) => c.kind === 'approval.decide')!;
    expect(decided.subjectWords).toEqual({
      text: msg('system.run.decision_subject', { title: done.title, workflow: REPORT_WF, decision: 'rejected', actor: 'prof_reviewer' }),
    });
    expect(decided.rationaleWords).toEqual({
      text: msg('system.run.decided_comment', { decision: 'rejected', actor: 'prof_reviewer', role: 'admin', comment: 'Not enough evidence.' }),
    });
  });
});

describe('system cards in words', () => {
  const row = { name: 'maestro.prompts', version: '1.2.0', targets_sha256: 'ab'.repeat(32) } as InstallRow;

  it('the quarantine card: subject, options and rationale as messages beside the English text', () => {
    const c = quarantineCard(row, 'prompts/a.txt no longer matches its signed SHA-256', 'prompts/a.txt', { ...row, version: '1.1.0' });
    expect(c.subject).toBe('Quarantine maestro.prompts 1.2.0');
    expect(c.subjectWords).toEqual({ text: msg('system.quarantine.subject', { name: 'maestro.prompts', version: '1.2.0' }) });
    expect(c.options.map((o) => o.labelWords)).toEqual([
      { text: msg('system.quarantine.fall_back', { version: '1.1.0' }) },
      { text: msg('system.quarantine.keep') },
    ]);
    expect(c.rationaleWords).toEqual({ text: msg('system.quarantine.rationale', { reason: 'prompts/a.txt no longer matches its signed SHA-256' }) });
    expect(quarantineCard(row, 'x', null, null).options[0]!.labelWords).toEqual({ text: msg('system.quarantine.no_fallback') });
  });

  it('the GPU-fallback card: subject, options and rationale as messages', () => {
    const c = gpuFallbackCard('model.tiny-text@1.0.0', 'CUDA driver too old', null);
    expect(c.subjectWords).toEqual({ text: msg('system.gpu.subject', { model: 'model.tiny-text@1.0.0' }) });
    expect(c.options.map((o) => o.labelWords?.text.code)).toEqual(['system.gpu.cpu_option', 'system.gpu.gpu_option']);
    expect(c.rationaleWords).toEqual({ text: msg('system.gpu.rationale', { reason: 'CUDA driver too old' }) });
    expect(c.rationale).toBe('The GPU could not be used: CUDA driver too old');
  });
});
