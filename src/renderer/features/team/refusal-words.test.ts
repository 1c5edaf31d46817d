import { describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import { refusalWords } from './refusal-words';

// The words are English messages (i18n/locales/en).
initI18n('en');

describe('team refusals in words', () => {
  it('known codes, code families and unknown codes each say what happened and what to do', () => {
    expect(refusalWords('APPROVAL_REPLAY')).toEqual({ what: 'The same approval arrived a second time; the copy was ignored.', next: 'Nothing to do.' });
    expect(refusalWords('KEY_UNWRAP_FAILED').next).toBe('Ask an admin to share the team key with this device again.');
    expect(refusalWords('CERT_MALFORMED').what).toMatch(/certificate could not be checked/);
    expect(refusalWords('SOMETHING_NEW')).toEqual({
      what: 'This device did not accept something it received from the team.',
      next: 'Tell an admin and show them the Details.',
    });
    expect(refusalWords('PULL_KEY_MISSING').next).toBe('Ask an admin to share the team key with this device, then pull again.');
    expect(refusalWords('PULL_REFUSED').what).toBe('Fetching from the team did not work.');
    for (const code of ['APPROVAL_BAD_SIGNATURE', 'ROLE_NOT_ALLOWED', 'STATEMENT_IN_FUTURE']) expect(refusalWords(code).what).not.toContain(code);
  });
});
