// Fail closed, end to end: with the real policy engine, a throwing invariant, a missing policy and an
// evaluation time-out each stop the run with a reason, and each leaves a denied decision card that
// says why and what to do next.
import { msg } from '../../../shared/messages';
import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyEngine } from '../policy/index';
import { DEFAULT_RESOURCES_DIR } from '../../app/services';
import { makeServices, tempDir } from '../../platform/test-utils';
import { prepareDevice, report, REPORT_WF, runServiceFor, wallClock } from './test-helpers';

const locality = { region: 'eu-north-1', residency: 'eu', serverRegion: 'eu-north-1' };

function shippedPolicyCopy(): string {
  const dir = join(tempDir(), 'policy');
  cpSync(join(DEFAULT_RESOURCES_DIR, 'policy'), dir, { recursive: true });
  return dir;
}

async function runWith(engine: PolicyEngine) {
  const w = wallClock('2026-11-20T08:00:00.000Z');
  const s = makeServices({ dataDir: tempDir(), clock: w.clock });
  prepareDevice(s);
  const runs = runServiceFor(s, { guard: engine, locality });
  const run = await runs.start({ workflow: REPORT_WF, input: report() });
  const cards = runs.cards.forRun(run.id);
  return { run, cards };
}

describe('the run engine fails closed', () => {
  it('an invariant that throws denies the step, with the error on the card', async () => {
    const dir = shippedPolicyCopy();
    // Integer division by zero is a CEL runtime error, not false.
    writeFileSync(
      join(dir, 'invariants', 'zz-throws.yaml'),
      [
        '- id: INV.TEST.THROWS',
        '  scope: test',
        '  when: { event: run.start }',
        '  assert:',
        '    - expr: 1 / (run.spentCents - run.spentCents) == 1',
        "      message: 'never shown'",
        '  next: Fix the invariant file',
        '  plain: { en: { what: A test check., failed: The test check failed., next: Fix the test. } }',
      ].join('\n'),
    );
    const engine = PolicyEngine.fromDir(dir);
    expect(engine.invariantIds()).toContain('INV.TEST.THROWS');
    const { run, cards } = await runWith(engine);
    expect(run.status).toBe('failed');
    const denied = cards.filter((c) => c.status === 'denied');
    expect(denied.length).toBeGreaterThan(0);
    const inv = denied[0]!.invariants.find((i) => i.id === 'INV.TEST.THROWS');
    expect(inv).toMatchObject({ pass: false });
    expect(inv!.error ?? '').toMatch(/division|zero/i);
    expect(denied[0]!.nextSafeStep).toBeTruthy();
  });

  it('a missing policy denies everything with "no policy loaded"', async () => {
    const empty = join(tempDir(), 'policy');
    mkdirSync(empty);
    const engine = PolicyEngine.fromDir(empty);
    expect(engine.version()).toBeNull();
    const { run, cards } = await runWith(engine);
    expect(run.status).toBe('failed');
    const denied = cards.find((c) => c.status === 'denied');
    expect(denied?.policy).toMatchObject({ decision: 'deny', policyVersion: null });
    expect(denied!.policy.reasons).toContainEqual(msg('guard.policy.none_loaded'));
  });

  it('an evaluation that runs out of time denies with "timeout"', async () => {
    // A monotonic clock that jumps 30 ms per read: the 50 ms evaluation budget runs out mid-set.
    let t = 0;
    const engine = PolicyEngine.fromDir(shippedPolicyCopy(), { monotonic: () => (t += 30) });
    const { run, cards } = await runWith(engine);
    expect(run.status).toBe('failed');
    const denied = cards.find((c) => c.status === 'denied');
    expect(denied?.invariants.some((i) => !i.pass && /timeout/i.test(i.error ?? i.message ?? ''))).toBe(true);
  });
});
