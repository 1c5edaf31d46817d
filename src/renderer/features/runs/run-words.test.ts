import { describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import type { TextsById } from '../cards/card-words';
import { checksInWords, runErrorWords, waitingWords } from './run-words';

initI18n('en');

const texts: TextsById = {
  'INV.SYNC.FRESH_FOR_SUBMIT': {
    en: {
      what: 'A report is sent only from a device that synced recently.',
      failed: 'This device has not synced recently enough to send reports.',
      next: 'Connect to the network, press Sync now, then send again.',
    },
  },
};

describe('a run’s state in words', () => {
  it('a blocked run names the check in words and what to do, never the code', () => {
    const w = runErrorWords(
      { status: 'failed', errorCode: 'BLOCKED', error: 'The guard blocked submit — INV.SYNC.FRESH_FOR_SUBMIT: Last accepted sync null is older than 24 h' },
      texts,
    )!;
    expect(w.what).toBe('A check of your organisation’s rules stopped this work. This device has not synced recently enough to send reports.');
    expect(w.next).toBe('Connect to the network, press Sync now, then send again.');
    expect(JSON.stringify(w)).not.toMatch(/INV\.|BLOCKED|guard/);
  });

  it('every error code has words and a next step', () => {
    for (const errorCode of ['BUDGET_EXCEEDED', 'REJECTED', 'STEP_FAILED'] as const) {
      const w = runErrorWords({ status: 'rolled_back', errorCode, error: 'x' }, texts)!;
      expect(w.what).toMatch(/Its finished steps were undone\.$/);
      expect(w.next).toBeTruthy();
      expect(w.what).not.toContain(errorCode);
    }
    expect(runErrorWords({ status: 'succeeded', error: null }, texts)).toBeNull();
  });

  it('the checks an error line names, once each', () => {
    expect(checksInWords('INV.SYNC.FRESH_FOR_SUBMIT: a; INV.SYNC.FRESH_FOR_SUBMIT: b', texts)).toEqual([
      'This device has not synced recently enough to send reports.',
    ]);
  });

  it('a waiting run says what it waits for and who decides', () => {
    expect(waitingWords('awaiting_approval', [], false)).toEqual({
      what: 'This work waits for a reviewer’s approval before it goes on.',
      next: 'A reviewer of your team decides. You will see the result here.',
    });
    expect(waitingWords('running', [], true)).toBeNull();
  });
});
