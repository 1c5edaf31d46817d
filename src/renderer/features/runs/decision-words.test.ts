import { describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import { confirmationOf, effectOf } from './decision-words';

initI18n('en');

describe('the words of a decision (one set for own and other devices’ runs)', () => {
  it('the confirmation names what was decided and what happens next, never a device id', () => {
    expect(confirmationOf({ scope: 'device', runId: 'run_1', decision: 'approve' })).toBe(
      'You approved the waiting step of run run_1. The run continues from that step.',
    );
    expect(confirmationOf({ scope: 'device', runId: 'run_1', cardId: 'c1', subject: 'RPT-2026-103', decision: 'reject' })).toBe(
      'You rejected “RPT-2026-103”. The run stops and its finished steps are undone.',
    );
    const tenant = { scope: 'tenant', device: 'dev_9', user: 'ada', runId: 'run_2', cardId: 'c1', subject: 'RPT-2026-103', decision: 'reject' } as const;
    expect(confirmationOf(tenant, 'ada@acme’s device')).toBe(
      'You rejected “RPT-2026-103” (run run_2 on ada@acme’s device). It is sent with the next sync; the run stops on that device when it pulls your rejection.',
    );
    expect(confirmationOf(tenant)).not.toContain('dev_9');
  });

  it('what approving or rejecting will do, for both scopes', () => {
    expect(effectOf({ scope: 'device', runId: 'r', decision: 'approve' })).toMatch(/^The run continues from the waiting step\. Your name/);
    expect(effectOf({ scope: 'device', runId: 'r', decision: 'reject' })).toMatch(/^The run stops and its finished steps are undone/);
    const t = { scope: 'tenant', device: 'dev_9', user: 'ada', runId: 'r', cardId: 'c', subject: 's' } as const;
    expect(effectOf({ ...t, decision: 'approve' })).toMatch(/^The run continues on that device once it pulls your approval\. This device signs/);
    expect(effectOf({ ...t, decision: 'reject' })).toMatch(/^The run stops on that device once it pulls your rejection/);
  });
});
