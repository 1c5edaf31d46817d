import { describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import { codeOf, emptyOutboxText, outboxProblem } from './outbox-words';

initI18n('en');

describe('an outbox item’s problem in words', () => {
  it('a dead letter refused by the server says why and what to do, without the code', () => {
    const w = outboxProblem({ state: 'dead', lastError: 'VALIDATION_ERROR: /data/site must be string', requiredVersion: null })!;
    expect(w).toEqual({
      what: 'The server refused this item: some of its data does not fit the form.',
      next: 'Capture the report again with the data corrected, then discard this one.',
    });
    expect(codeOf('VALIDATION_ERROR: x')).toBe('VALIDATION_ERROR');
    expect(codeOf('server unreachable')).toBeNull();
  });

  it('an unknown refusal, a blocked item and a waiting item each say what to do next', () => {
    expect(outboxProblem({ state: 'dead', lastError: 'WEIRD_THING: boom', requiredVersion: null })!.next).toMatch(/^Retry\./);
    expect(outboxProblem({ state: 'blocked', lastError: 'The server now requires x', requiredVersion: 'site-inspection-report@2.0.0' })!.what).toBe(
      'The server needs a newer version of this form (site-inspection-report@2.0.0) than the one it was filled in with.',
    );
    expect(outboxProblem({ state: 'queued', lastError: 'server unreachable', requiredVersion: null })).toEqual({
      what: 'Not sent yet: the server could not be reached.',
      next: 'Nothing to do: it is sent when the connection is back.',
    });
    expect(outboxProblem({ state: 'queued', lastError: null, requiredVersion: null })).toBeNull();
    expect(outboxProblem({ state: 'acked', lastError: null, requiredVersion: null })).toBeNull();
  });

  it('an empty outbox says what lands there', () => {
    expect(emptyOutboxText('')).toMatch(/^Nothing to send\./);
    expect(emptyOutboxText('dead')).toMatch(/^No problems here/);
    expect(emptyOutboxText('acked')).toBe('No items in this state. Choose All to see every item.');
  });
});
