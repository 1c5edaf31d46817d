// Pure words of what this device refused from the team (team.refusals; no API, no DOM): what happened
// and what to do next. The code and the raw message stay under Details.
export interface RefusalWords {
  what: string;
  next: string;
}

const NOTHING = 'Nothing to do.';
const ASK_ADMIN = 'Tell an admin and show them the Details.';

const BY_CODE: Record<string, RefusalWords> = {
  APPROVAL_BAD_SIGNATURE: { what: 'An approval arrived with a signature that does not check out, so it was not used.', next: ASK_ADMIN },
  APPROVAL_MALFORMED: { what: 'An approval arrived damaged or incomplete, so it was not used.', next: 'Ask the reviewer to decide again.' },
  APPROVAL_REPLAY: { what: 'The same approval arrived a second time; the copy was ignored.', next: NOTHING },
  APPROVAL_RUN_NOT_WAITING: { what: 'An approval arrived for work that no longer waits for one (it was already decided or stopped).', next: NOTHING },
  APPROVAL_UNKNOWN_RUN: { what: 'An approval arrived for work this device does not have.', next: `${NOTHING} If the work is missing here, tell an admin.` },
  APPROVAL_WRONG_CARD: {
    what: 'An approval arrived for an earlier decision of this work, not the one it waits on now.',
    next: 'Ask the reviewer to decide the card the work waits on now.',
  },
  APPROVAL_WRONG_DEVICE: { what: 'An approval meant for another device arrived here and was not used.', next: NOTHING },
  APPROVAL_WRONG_TENANT: { what: 'An approval from another organisation arrived and was not used.', next: ASK_ADMIN },
  ROLE_NOT_ALLOWED: { what: 'A decision came from someone who is not a reviewer or admin, so it was not used.', next: 'Ask a reviewer to decide.' },
  CERT_EXPIRED: { what: 'A team device’s certificate has expired, so what it signs is not accepted.', next: 'Ask an admin to renew that device’s enrollment.' },
  CERT_REVOKED: { what: 'A team device’s certificate was withdrawn, so what it signs is not accepted.', next: NOTHING },
  PULL_KEY_MISSING: {
    what: 'An item from the team is locked with a team key this device does not have yet.',
    next: 'Ask an admin to share the team key with this device, then pull again.',
  },
  PULL_DECRYPT_FAILED: { what: 'An item from the team could not be unlocked on this device.', next: ASK_ADMIN },
  PULL_GAP: { what: 'Items from the server arrived with some missing in between.', next: 'Pull again. If it stays stopped, tell an admin.' },
  PULL_MALFORMED: {
    what: 'An item from the team arrived damaged or in an unknown shape.',
    next: 'Update the app, then pull again. If it stays stopped, tell an admin.',
  },
  PULL_RECEIPT_INVALID: { what: 'An item’s receipt from the server does not check out, so it was not used.', next: ASK_ADMIN },
  PULL_CERT_INVALID: { what: 'An item came from a device whose certificate could not be checked.', next: 'Ask an admin to enroll that device again.' },
  STATEMENT_IN_FUTURE: {
    what: 'Something arrived dated in the future, so it was not used. A device’s clock may be wrong.',
    next: 'Check the date and time of this device, and ask the sender to check theirs.',
  },
};

const BY_PREFIX: [string, RefusalWords][] = [
  ['CERT_', { what: 'A team device’s certificate could not be checked, so what it signs is not accepted.', next: 'Ask an admin to enroll that device again.' }],
  ['KEY_', { what: 'A team key arrived that this device could not use.', next: 'Ask an admin to share the team key with this device again.' }],
  ['PULL_', { what: 'Fetching from the team did not work.', next: 'Pull again. If it keeps failing, tell an admin and show them the Details.' }],
  ['APPROVAL_', { what: 'An approval arrived that this device could not use.', next: 'Ask the reviewer to decide again. If it happens again, tell an admin.' }],
];

/** A refusal's code in words (a general sentence for a code this version does not know). */
export function refusalWords(code: string): RefusalWords {
  const known = BY_CODE[code] ?? BY_PREFIX.find(([p]) => code.startsWith(p))?.[1];
  return known ?? { what: 'This device did not accept something it received from the team.', next: ASK_ADMIN };
}
