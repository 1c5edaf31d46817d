// The sync panel's alerts in the user's language (decision 0030): each alert the main process raises
// is a message; in English it reads exactly as the sentence it used to store, in Swedish it differs,
// and a row stored before messages (a plain sentence) shows as it is.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { initI18n, i18next } from '../../i18n';
import { apiErrorMessage, withCause } from '../../../shared/error-messages';
import { refusalMessage } from '../../../shared/bundles/errors';
import { blockedMessage, UPDATE_REQUIRED_MESSAGE } from '../../../shared/risk/device-messages';
import { msg, type Message } from '../../../shared/messages';
import { storedErrorText } from '../../ui/error-words';

initI18n('en');
beforeEach(async () => {
  await i18next.changeLanguage('en');
});
afterAll(async () => {
  await i18next.changeLanguage('en');
});

const revoked = apiErrorMessage({ code: 'UNAUTHORIZED', message: 'Device has been revoked', details: { reason: 'revoked_device' } }, true);
const tampered = msg('refusals.tamper.hash', { path: 'system.txt' });

/** [the alert as raised, the English sentence alerts stored before messages]. */
const ALERTS: [string, Message, string][] = [
  [
    'DEVICE_BLOCKED',
    blockedMessage({ blockedAt: '2025-03-01T10:00:00.000Z', blockedReason: 'Device reported stolen.' }),
    'This device was blocked by an administrator on 2025-03-01: Device reported stolen. Contact your admin; your data stays on this device.',
  ],
  ['UPDATE_REQUIRED', UPDATE_REQUIRED_MESSAGE, 'An administrator requires an app update: install the latest version of Maestro, then sync.'],
  ['SYNC_REFUSED', withCause(msg('errors.sync.device_refused'), revoked), 'Server refused this device: Device has been revoked'],
  ['RECEIPT_INVALID', msg('alerts.receipt.signature'), 'receipt signature does not verify with the pinned server key'],
  ['RECEIPT_INVALID', msg('alerts.receipt.field', { field: 'contentHash' }), 'receipt contentHash does not match the item'],
  ['RECEIPT_INVALID', msg('alerts.receipt.attachments'), 'receipt attachments do not match the attachments the item names'],
  ['CHECKPOINT_INVALID', msg('alerts.checkpoint_invalid'), 'The server sent an audit checkpoint that does not verify'],
  ['ANCHOR_EQUIVOCATION', msg('alerts.anchor.equivocation', { seq: '1234' }), 'Seq 1234 was anchored with a different hash; the device has been flagged'],
  ['ANCHOR_BROKEN', msg('alerts.anchor.head_behind', { seq: '3', anchored: '5' }), 'Head seq 3 is behind the anchored head (seq 5)'],
  [
    'ANCHOR_TREE_MISMATCH',
    msg('alerts.anchor.tree_mismatch', { size: '12', head: '11' }),
    'The Merkle tree head for 12 entries does not match the entry hashes the server holds (head 11)',
  ],
  [
    'CONTRACT_UPDATE_FAILED',
    withCause(msg('alerts.contract_update_failed', { contracts: 'site@1.3.0' }), 'fetch failed'),
    'Could not install site@1.3.0: fetch failed',
  ],
  [
    'CONTRACT_BREAKING_UPDATE',
    msg('alerts.contract_breaking', { name: 'field.inspect.site', server: '2.0.0', local: '1.2.0' }),
    'The server now uses field.inspect.site@2.0.0, a breaking change from 1.2.0 on this device. Update the app to capture with it; items captured under 1.2.0 stay on this device, marked blocked, until you retry them after the update or discard them.',
  ],
  ['DEVICE_KEY_MISSING', msg('errors.CONFLICT.key_missing', { store: 'vault' }), 'The device signing key is missing from the vault; re-enroll this device'],
  [
    'BUNDLE_ROOT_INVALID',
    withCause(msg('alerts.trust_root_invalid'), 'Unexpected end of JSON input'),
    'The pinned trust root is unusable (Unexpected end of JSON input); no bundle can verify',
  ],
  ['CONTRACT_LOAD_FAILED', withCause(msg('alerts.contracts_load_failed'), 'bad schema'), 'contracts bundle: bad schema'],
  ['BUNDLE_EXPIRED', withCause(msg('alerts.bundle.builtin_refused', { name: 'maestro.policy' }), 'expired'), 'Built-in bundle maestro.policy refused: expired'],
  ['BUNDLE_EXPIRED', withCause(msg('alerts.bundle.dir_refused', { name: 'm', dir: '/usb' }), 'expired'), 'Bundle m in /usb refused: expired'],
  [
    'BUNDLE_UPDATE_FAILED',
    withCause(msg('alerts.bundle.update_failed', { name: 'maestro.policy', version: '2026.1.0' }), 'offline'),
    'The server offers maestro.policy 2026.1.0; it was not installed: offline',
  ],
  [
    'BUNDLE_TAMPERED',
    withCause(msg('alerts.bundle.quarantined', { name: 'maestro.prompts', version: '1.2.0', fallback: '1.1.0' }), tampered),
    'maestro.prompts 1.2.0 quarantined: system.txt no longer matches its signed SHA-256; 1.1.0 is active',
  ],
  [
    'BUNDLE_TAMPERED',
    withCause(
      msg('alerts.bundle.quarantined_alone', { name: 'm', version: '1.0.2' }),
      msg('refusals.tamper.size', { path: 'w.bin', size: '10', expected: '12' }),
    ),
    'm 1.0.2 quarantined: w.bin changed size (10 vs 12 bytes); no good version left',
  ],
  ['DEVICE_REVOKED', msg('alerts.device_revoked'), 'The server revoked this device: it can no longer sync, and approvals it signs are refused'],
  [
    'PULL_GAP',
    withCause(msg('alerts.team.stopped', { seq: '1234' }), 'items 3 to 5 are missing'),
    'The pull stopped at item 1234: items 3 to 5 are missing. It stays stopped until the item is skipped with a reason.',
  ],
  [
    'APPROVAL_REPLAY',
    withCause(msg('alerts.team.refused', { kind: 'approval', where: 'both', subject: 'card_1', from: 'dev_2' }), 'approval a1 was already delivered (item 3)'),
    'Refused approval card_1 from dev_2: approval a1 was already delivered (item 3)',
  ],
  ['KEY_BAD', withCause(msg('alerts.team.refused', { kind: 'key', where: 'subject', subject: 'v2', from: '' }), 'bad wrap'), 'Refused key v2: bad wrap'],
  [
    'PULL_MALFORMED',
    withCause(msg('alerts.team.refused', { kind: 'item', where: 'from', subject: '', from: 'dev_2' }), 'malformed'),
    'Refused item from dev_2: malformed',
  ],
  ['PULL_MALFORMED', withCause(msg('alerts.team.refused', { kind: 'item', where: 'none', subject: '', from: '' }), 'malformed'), 'Refused item: malformed'],
  [
    'POLICY_LOAD_FAILED',
    withCause(
      msg('alerts.policy_load_failed', { at: 'invariants/zz-bad.yaml:5' }),
      msg('guard.load.duplicate_id', { id: 'BUDGET.1', at: 'invariants/a.yaml:3' }),
    ),
    'invariants/zz-bad.yaml:5: duplicate id BUDGET.1 (first defined at invariants/a.yaml:3)',
  ],
];

describe('sync alerts in words', () => {
  it('English reads as the sentence each alert stored before messages', () => {
    for (const [code, m, english] of ALERTS) expect(storedErrorText(m), code).toBe(english);
  });

  it('Swedish says each in Swedish', async () => {
    await i18next.changeLanguage('sv');
    for (const [code, m, english] of ALERTS) {
      const sv = storedErrorText(m);
      expect(sv, code).not.toBe(english);
      expect(sv, code).not.toMatch(/alerts\.|refusals\.|errors\.|guard\./);
    }
    expect(storedErrorText(withCause(msg('alerts.bundle.quarantined', { name: 'm', version: '1.2.0', fallback: '1.1.0' }), tampered))).toBe(
      'm 1.2.0 sattes i karantän: system.txt stämmer inte längre med sin signerade SHA-256; 1.1.0 är aktiv',
    );
    expect(storedErrorText(withCause(msg('alerts.team.refused', { kind: 'approval', where: 'both', subject: 'c1', from: 'd2' }), 'x'))).toBe(
      'Avvisade godkännande c1 från d2: x',
    );
  });

  it('a bundle refusal as the cause reads in the refusal’s words', () => {
    const m = withCause(
      msg('alerts.contract_update_refused', { contracts: 'site@1.3.0', refusal: 'BUNDLE_HASH_MISMATCH' }),
      refusalMessage('BUNDLE_HASH_MISMATCH'),
    );
    expect(storedErrorText(m)).toBe(
      'Could not install site@1.3.0 (BUNDLE_HASH_MISMATCH): A file’s SHA-256 differs from the signed targets metadata (arbitrary file).',
    );
  });

  it('a quarantined version’s stored reason (the Sealed view) reads as before, in Swedish in Swedish', async () => {
    const reasons: [Message, string][] = [
      [msg('refusals.tamper.changed_near', { path: 'w.bin', offset: '4194304' }), 'w.bin changed near byte 4194304 after it was verified'],
      [msg('refusals.tamper.unreadable', { path: 'w.bin', detail: 'EACCES' }), 'w.bin cannot be read (EACCES)'],
      [msg('refusals.tamper.changed', { path: 'metadata/targets.json' }), 'metadata/targets.json changed after it was verified'],
      [msg('refusals.tamper.unknown'), 'quarantined'],
    ];
    for (const [m, english] of reasons) expect(storedErrorText(m)).toBe(english);
    expect(storedErrorText('w.bin no longer matches its signed SHA-256')).toBe('w.bin no longer matches its signed SHA-256');
    await i18next.changeLanguage('sv');
    for (const [m, english] of reasons) expect(storedErrorText(m)).not.toBe(english);
  });

  it('an alert stored before messages (a plain sentence), or from an older server, shows as it is', () => {
    expect(storedErrorText('Server refused this device: Device has been revoked')).toBe('Server refused this device: Device has been revoked');
    expect(storedErrorText(msg('alerts.anchor.text', { text: 'Entry 4 does not link to entry 3' }))).toBe('Entry 4 does not link to entry 3');
  });
});
