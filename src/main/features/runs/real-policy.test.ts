// The run engine against the real policy engine (src/main/features/policy) and the shipped policy
// (resources/policy): what the engine puts into each GuardContext is what the invariants read.
// The shipped policy does not (yet) list every fallback id of the AI steps (extractive@1, rule-risk@1,
// rule-based-fallback@1) among its allowed models, so this test runs on a copy that does; without
// them every AI step is blocked by INV.AI.MODEL_ALLOWED.
import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyEngine } from '../policy/index';
import { DEFAULT_RESOURCES_DIR } from '../../app/services';
import { makeServices, tempDir } from '../../platform/test-utils';
import { AI_FALLBACK_IDS } from './testing';
import { prepareDevice, report, REPORT_WF, reviewer, runServiceFor, SPECIMEN_WF, specimen, wallClock } from './test-helpers';

function policyDir(): string {
  const dir = join(tempDir(), 'policy');
  cpSync(join(DEFAULT_RESOURCES_DIR, 'policy'), dir, { recursive: true });
  const file = join(dir, 'policy.yaml');
  const text = readFileSync(file, 'utf8');
  const missing = AI_FALLBACK_IDS.filter((id) => !text.includes(id));
  if (missing.length) writeFileSync(file, text.replace(/allowedModels: \[/, `allowedModels: [${missing.join(', ')}, `));
  return dir;
}

const locality = { region: 'eu-north-1', residency: 'eu', serverRegion: 'eu-north-1' };

function device() {
  const w = wallClock('2026-11-20T08:00:00.000Z');
  const s = makeServices({ dataDir: tempDir(), clock: w.clock });
  prepareDevice(s);
  const engine = PolicyEngine.fromDir(policyDir());
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

  it('a specimen waits for a reviewer (the fallback cannot translate), then finishes', async () => {
    const { runs } = device();
    const waiting = await runs.start({ workflow: SPECIMEN_WF, input: specimen() });
    expect(waiting).toMatchObject({ status: 'awaiting_approval', currentStep: 'ai-translate-verify' });
    const done = await runs.decide(waiting.id, { decision: 'approved', comment: 'Notes are fine as written.', actor: reviewer });
    expect(done.status).toBe('succeeded');
  });

  it('without locality the residency rules cannot be evaluated: the start is refused (fail closed)', async () => {
    const { s } = device();
    const runs = runServiceFor(s, { guard: PolicyEngine.fromDir(policyDir()) });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run).toMatchObject({ status: 'failed', error: { code: 'BLOCKED', reasons: [expect.stringMatching(/residency could not be evaluated/)] } });
  });
});
