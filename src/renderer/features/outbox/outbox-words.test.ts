import { describe, expect, it } from 'vitest';
import { initI18n, i18next } from '../../i18n';
import { msg } from '../../../shared/messages';
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

  it('a stored error code: the same words, without parsing English; the app’s own waits in the language in use', async () => {
    const refused = msg('errors.VALIDATION_ERROR.schema', { path: '/data/site', count: 1, message: 'Item does not match the sync item schema' });
    expect(outboxProblem({ state: 'dead', lastError: refused, requiredVersion: null })!.what).toBe(
      'The server refused this item: some of its data does not fit the form.',
    );
    expect(codeOf(refused)).toBe('VALIDATION_ERROR');
    expect(codeOf(msg('errors.sync.no_result'))).toBeNull();
    expect(outboxProblem({ state: 'dead', lastError: msg('errors.sync.no_result'), requiredVersion: null })!.what).toBe(
      outboxProblem({ state: 'dead', lastError: 'no result for this item in the server reply', requiredVersion: null })!.what,
    );
    expect(outboxProblem({ state: 'queued', lastError: msg('errors.sync.server_unreachable'), requiredVersion: null })).toEqual({
      what: 'Not sent yet: the server could not be reached.',
      next: 'Nothing to do: it is sent when the connection is back.',
    });
    expect(outboxProblem({ state: 'queued', lastError: msg('errors.sync.paused'), requiredVersion: null })).toEqual(
      outboxProblem({ state: 'queued', lastError: 'Upload paused: resume it in the outbox view', requiredVersion: null }),
    );
    const waiting = outboxProblem({ state: 'queued', lastError: msg('errors.sync.waiting_key'), requiredVersion: null })!;
    expect(waiting.what).toContain('Waiting for the tenant key: an admin device sends it to this device on its next sync');
    await i18next.changeLanguage('sv');
    expect(outboxProblem({ state: 'queued', lastError: msg('errors.sync.waiting_key'), requiredVersion: null })!.what).toContain(
      'Väntar på organisationsnyckeln',
    );
    await i18next.changeLanguage('en');
  });

  it('an empty outbox says what lands there', () => {
    expect(emptyOutboxText('')).toMatch(/^Nothing to send\./);
    expect(emptyOutboxText('dead')).toMatch(/^No problems here/);
    expect(emptyOutboxText('acked')).toBe('No items in this state. Choose All to see every item.');
  });
});
