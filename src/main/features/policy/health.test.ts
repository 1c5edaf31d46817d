import { describe, expect, it } from 'vitest';
import type { HealthCheck } from '../../../shared/api/system';
import { msg, type Message } from '../../../shared/messages';
import { withCause } from '../../../shared/error-messages';
import { registerPolicyHealth } from './health';

/** The policy.loaded check for an engine in the given state. */
function check(version: string | null, errors: { file: string; line: number; reason: string; message?: Message }[] = []): Omit<HealthCheck, 'id'> {
  let fn: (() => Omit<HealthCheck, 'id'>) | null = null;
  registerPolicyHealth(
    { register: (_id: string, f: () => Omit<HealthCheck, 'id'>) => (fn = f) } as never,
    { lastErrors: () => errors, version: () => version, invariantCount: () => 23 },
    { workflows: () => [1, 2, 3], loadErrors: () => [] } as never,
  );
  return fn!();
}

describe('policy.loaded health', () => {
  it('says the same as messages (guard.health.*): what the Health view shows in the reader’s language', () => {
    expect(check(null)).toMatchObject({ status: 'error', messages: [msg('guard.health.none')] });
    expect(check('2026.12.5')).toMatchObject({
      status: 'ok',
      summary: 'Policy 2026.12.5: 23 invariants, 3 workflows.',
      messages: [msg('guard.health.loaded', { version: '2026.12.5', invariants: 23, workflows: 3 })],
    });
    const bad = check('2026.12.5+dev', [{ file: 'invariants/zz-bad.yaml', line: 5, reason: 'bad expression' }]);
    expect(bad).toMatchObject({
      status: 'warn',
      messages: [
        msg('guard.health.loaded_refused', { version: '2026.12.5+dev', invariants: 23, workflows: 3, refused: 1 }),
        withCause(msg('guard.health.problem', { at: 'invariants/zz-bad.yaml:5', last: 'yes' }), msg('guard.load.text', { text: 'bad expression' })),
        msg('guard.health.development'),
      ],
    });
    expect(bad.summary).toMatch(/; 1 file\(s\) refused, previous set in force: invariants\/zz-bad\.yaml:5 bad expression\. DEVELOPMENT/);
  });

  it('names each file refused, and why, as messages of their own (guard.load.* as the cause)', () => {
    const bad = check('2026.12.5', [
      {
        file: 'invariants/zz-bad.yaml',
        line: 5,
        reason: 'duplicate id A.1 (first defined at invariants/a.yaml:3)',
        message: msg('guard.load.duplicate_id', { id: 'A.1', at: 'invariants/a.yaml:3' }),
      },
      { file: 'policy.yaml', line: 0, reason: 'no verified policy bundle is active' },
    ]);
    expect(bad.messages).toEqual([
      msg('guard.health.loaded_refused', { version: '2026.12.5', invariants: 23, workflows: 3, refused: 2 }),
      withCause(
        msg('guard.health.problem', { at: 'invariants/zz-bad.yaml:5', last: 'no' }),
        msg('guard.load.duplicate_id', { id: 'A.1', at: 'invariants/a.yaml:3' }),
      ),
      withCause(msg('guard.health.problem', { at: 'policy.yaml', last: 'yes' }), msg('guard.load.text', { text: 'no verified policy bundle is active' })),
    ]);
    expect(bad.summary).toBe(
      'Policy 2026.12.5: 23 invariants, 3 workflows; 2 file(s) refused, previous set in force: invariants/zz-bad.yaml:5 duplicate id A.1 (first defined at invariants/a.yaml:3); policy.yaml no verified policy bundle is active.',
    );
  });
});
