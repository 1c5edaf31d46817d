// Pure words of what this device refused from the team (team.refusals; no API, no DOM): what happened
// and what to do next, in the language in use (team namespace, refusal.*). The code and the raw
// message stay under Details.
import { i18next } from '../../i18n';

export interface RefusalWords {
  what: string;
  next: string;
}

/** [what happened, what to do next]: keys under team:refusal.what and team:refusal.next. */
type Words = readonly [what: string, next: string];

const BY_CODE: Record<string, Words> = {
  APPROVAL_BAD_SIGNATURE: ['approvalBadSignature', 'askAdmin'],
  APPROVAL_MALFORMED: ['approvalMalformed', 'reviewerAgain'],
  APPROVAL_REPLAY: ['approvalReplay', 'nothing'],
  APPROVAL_RUN_NOT_WAITING: ['approvalRunNotWaiting', 'nothing'],
  APPROVAL_UNKNOWN_RUN: ['approvalUnknownRun', 'nothingUnlessMissing'],
  APPROVAL_WRONG_CARD: ['approvalWrongCard', 'reviewerCurrentCard'],
  APPROVAL_WRONG_DEVICE: ['approvalWrongDevice', 'nothing'],
  APPROVAL_WRONG_TENANT: ['approvalWrongTenant', 'askAdmin'],
  ROLE_NOT_ALLOWED: ['roleNotAllowed', 'askReviewer'],
  CERT_EXPIRED: ['certExpired', 'renewEnrollment'],
  CERT_REVOKED: ['certRevoked', 'nothing'],
  PULL_KEY_MISSING: ['pullKeyMissing', 'shareKey'],
  PULL_DECRYPT_FAILED: ['pullDecryptFailed', 'askAdmin'],
  PULL_GAP: ['pullGap', 'pullAgain'],
  PULL_MALFORMED: ['pullMalformed', 'updateApp'],
  PULL_RECEIPT_INVALID: ['pullReceiptInvalid', 'askAdmin'],
  PULL_CERT_INVALID: ['pullCertInvalid', 'enrollAgain'],
  STATEMENT_IN_FUTURE: ['statementInFuture', 'checkClock'],
};

const BY_PREFIX: [string, Words][] = [
  ['CERT_', ['cert', 'enrollAgain']],
  ['KEY_', ['key', 'shareKeyAgain']],
  ['PULL_', ['pull', 'pullAgainDetails']],
  ['APPROVAL_', ['approval', 'reviewerAgainOrAdmin']],
];

const UNKNOWN: Words = ['unknown', 'askAdmin'];

/** A refusal's code in words (a general sentence for a code this version does not know). */
export function refusalWords(code: string): RefusalWords {
  const [what, next] = BY_CODE[code] ?? BY_PREFIX.find(([p]) => code.startsWith(p))?.[1] ?? UNKNOWN;
  return { what: i18next.t(`team:refusal.what.${what}`), next: i18next.t(`team:refusal.next.${next}`) };
}
