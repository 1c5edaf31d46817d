// The run engine against the real policy engine (src/main/features/policy) and the shipped policy
// (resources/policy, as shipped: four eyes on, only the fallbacks and real models allowed): what the
// engine puts into each GuardContext is what the invariants read.
import { msg } from '../../../shared/messages';
import { describe, expect, it } from 'vitest';
import { PolicyEngine } from '../policy/index';
import { POLICY_DIR } from '../policy/fixtures';
import { makeServices, tempDir } from '../../platform/test-utils';
import { AI_FALLBACK_IDS } from './testing';
import { prepareDevice, report, REPORT_WF, reviewer, runServiceFor, SPECIMEN_WF, specimen, wallClock } from './test-helpers';

const locality = { region: 'eu-north-1', residency: 'eu', serverRegion: 'eu-north-1' };

function device() {
  const w = wallClock('2026-11-20T08:00:00.000Z');
  const s = makeServices({ dataDir: tempDir(), clock: w.clock });
  prepareDevice(s);
  const engine = PolicyEngine.fromDir(POLICY_DIR);
  return { s, runs: runServiceFor(s, { guard: engine, locality }) };
}

describe('run engine + real policy engine', () => {
  it('a compliant report runs to the end; every card has a policy version', async () => {
    const { runs } = device();
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    const cards = runs.cards.forRun(run.id);
    expect(cards.every((c) => c.policy.decision === 'allow' && c.policy.policyVersion !== null)).toBe(true);
  });

  it('an unsafe report is summarised on the device, then waits at the review gate before anything is submitted; approved, it finishes', async () => {
    const { runs } = device();
    const waiting = await runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe' }) });
    expect(waiting).toMatchObject({ status: 'awaiting_approval', currentStep: 'review-gate', lane: 'RED' });
    const done = await runs.decide(waiting.id, { decision: 'approved', comment: 'Checked with the site lead on the phone.', actor: reviewer });
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
  });

  it('the shipped policy allows every fallback the AI steps report', () => {
    expect(PolicyEngine.fromDir(POLICY_DIR).params()!.allowedModels).toEqual(expect.arrayContaining([...AI_FALLBACK_IDS]));
  });

  it('four eyes: the reviewer who started a run can neither approve nor reject it (a denied card says why); another reviewer can', async () => {
    const { runs } = device();
    const waiting = await runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe' }), actor: reviewer });
    expect(waiting).toMatchObject({ status: 'awaiting_approval', lane: 'RED' });
    for (const decision of ['approved', 'rejected'] as const)
      await expect(runs.decide(waiting.id, { decision, comment: 'My own report, looks fine to me.', actor: reviewer })).rejects.toMatchObject({
        code: 'FORBIDDEN',
        details: {
          reasons: [expect.stringMatching(/INV\.APPROVAL\.NOT_OWN_RUN|started run .* cannot decide on it/)],
          nextSafeStep: msg('guard.next.invariant', { id: 'INV.APPROVAL.NOT_OWN_RUN', text: 'Ask another reviewer to decide' }),
        },
      });
    const denied = runs.cards.forRun(waiting.id).filter((c) => c.kind === 'approval.decide' && c.status === 'denied');
    expect(denied).toHaveLength(2);
    expect(denied[0]!.invariants.find((i) => i.id === 'INV.APPROVAL.NOT_OWN_RUN')).toMatchObject({ pass: false });
    expect(runs.get(waiting.id).status).toBe('awaiting_approval');
    const other = { ...reviewer, id: 'prof_reviewer_2' };
    const done = await runs.decide(waiting.id, { decision: 'approved', comment: 'Checked with the site lead on the phone.', actor: other });
    expect(done.status).toBe('succeeded');
  });

  it('a specimen waits for a reviewer (the fallback cannot translate), then finishes', async () => {
    const { runs } = device();
    const waiting = await runs.start({ workflow: SPECIMEN_WF, input: specimen() });
    expect(waiting).toMatchObject({ status: 'awaiting_approval', currentStep: 'ai-translate-verify' });
    const done = await runs.decide(waiting.id, { decision: 'approved', comment: 'Notes are fine as written.', actor: reviewer });
    expect(done.status).toBe('succeeded');
  });

  it('without locality the residency rules cannot be evaluated: the start is refused (fail closed)', async () => {
    const { s } = device();
    const runs = runServiceFor(s, { guard: PolicyEngine.fromDir(POLICY_DIR) });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run).toMatchObject({
      status: 'failed',
      error: { code: 'BLOCKED', reasons: [expect.stringMatching(/^guard\.policy\.condition_missing .*"condition":"residency"/)] },
    });
  });
});
