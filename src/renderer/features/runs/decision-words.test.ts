import { describe, expect, it } from 'vitest';
import { confirmationOf } from './decision-words';

describe('the confirmation after a decision', () => {
  it('names what was decided and what happens next', () => {
    expect(confirmationOf({ scope: 'device', runId: 'run_1', decision: 'approve' })).toBe(
      'You approved the waiting step of run run_1. The run continues from that step.',
    );
    expect(confirmationOf({ scope: 'tenant', device: 'dev_9', user: 'ada', runId: 'run_2', cardId: 'c1', subject: 'RPT-2026-103', decision: 'reject' })).toBe(
      'You rejected “RPT-2026-103” (run run_2 on device dev_9). It is sent with the next sync; the run stops on that device when it pulls your rejection.',
    );
  });
});
