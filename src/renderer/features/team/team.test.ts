import { describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import type { TeamStatus } from '../../../shared/team/views';
import {
  ago,
  approverRoles,
  canDecideAgain,
  cardKey,
  cleanQuery,
  decisionText,
  decisionTone,
  freshnessText,
  keepIndex,
  mayApprove,
  shortTime,
  viaText,
} from './team';

// The words are English messages (i18n/locales/en).
initI18n('en');

const at = (h: number, m: number, s = 0, day = 15) => new Date(2026, 2, day, h, m, s).getTime();
const iso = (t: number) => new Date(t).toISOString();

const status = (cert: TeamStatus['certificate']): TeamStatus => ({
  enrolled: true,
  device: 'dev_a',
  certificate: cert,
  keys: { versions: [1], current: 1, waitingForKey: false, admin: false },
  pull: { cursor: 0, lastPullAt: null, lastServerTime: null, applied: 0, live: false, stopped: null },
  refused: 0,
  peers: 0,
});

describe('team sync display helpers', () => {
  it('says how fresh the pulled items are', () => {
    const now = at(10, 45, 20);
    expect(freshnessText('Cards', iso(at(10, 42)), now)).toBe('Cards as of 10:42, 3 min ago');
    expect(freshnessText('Runs', iso(at(10, 45)), now)).toBe('Runs as of 10:45, just now');
    expect(freshnessText('Cards', iso(at(7, 5)), now)).toBe('Cards as of 07:05, 3 h ago');
    expect(freshnessText('Cards', iso(at(9, 0, 0, 13)), now)).toBe('Cards as of 2026-03-13 09:00, 2 days ago');
    expect(freshnessText('Cards', null, now)).toBe('Never pulled');
    expect(freshnessText('Cards', 'garbage', now)).toBe('Never pulled');
    // A pull stamped slightly ahead of this clock is not "in the future".
    expect(ago(iso(now + 5000), now)).toBe('just now');
    expect(ago(iso(at(10, 45, 20, 14)), now)).toBe('1 day ago');
  });

  it('names where a decision sent from this device stands', () => {
    const d = { decision: 'approved' as const, at: iso(at(10, 0)), message: null };
    expect(decisionText({ ...d, state: 'queued' })).toBe('Approved: Sent, waiting for sync');
    expect(decisionText({ ...d, state: 'accepted' })).toBe('Approved: Accepted by server');
    expect(decisionText({ ...d, state: 'applied' })).toBe('Approved: Applied on the field device');
    expect(decisionText({ ...d, decision: 'rejected', state: 'conflict', message: 'bo@acme approved at 10:01' })).toBe(
      'Rejected: Another reviewer decided first — bo@acme approved at 10:01',
    );
    expect(decisionText({ ...d, state: 'refused', message: 'certificate revoked' })).toBe('Approved: Refused — certificate revoked');
    expect(decisionTone('applied')).toBe('ok');
    expect(decisionTone('queued')).toBe('info');
    expect(decisionTone('conflict')).toBe('warn');
    expect(decisionTone('refused')).toBe('error');
    // Approve / Reject stay offered only when nothing stands.
    expect(canDecideAgain(null)).toBe(true);
    expect(canDecideAgain({ ...d, state: 'refused' })).toBe(true);
    for (const state of ['queued', 'accepted', 'applied', 'conflict'] as const) expect(canDecideAgain({ ...d, state })).toBe(false);
  });

  it('says under which certificate an approval was signed', () => {
    expect(viaText({ via: { device: 'dev_r', certVersion: 3, approvalId: 'apr_1' } })).toBe('signed on dev_r under certificate v3');
    expect(viaText({ via: null })).toBeNull();
    expect(viaText({})).toBeNull();
  });

  it('approves with the certificate roles, none while revoked, else the enrollment roles', () => {
    const cert = { version: 2, roles: ['reviewer' as const], status: 'active' as const, expiresAt: iso(at(0, 0)), hasEncryptionKey: true };
    expect(approverRoles(status(cert), ['field'])).toEqual(['reviewer']);
    expect(approverRoles(status({ ...cert, status: 'revoked' }), ['reviewer'])).toEqual([]);
    expect(approverRoles(status(null), ['admin'])).toEqual(['admin']);
    expect(approverRoles(null, [])).toEqual([]);
    expect(mayApprove(['reviewer'])).toBe(true);
    expect(mayApprove(['admin'])).toBe(true);
    expect(mayApprove(['field'])).toBe(false);
  });

  it('keeps the selected card across reloads and drops empty filters', () => {
    const rows = [
      { device: 'a', card: { id: 'c1' } },
      { device: 'b', card: { id: 'c1' } },
    ];
    expect(keepIndex(rows, cardKey(rows[1]!), cardKey)).toBe(1);
    expect(keepIndex(rows, 'gone', cardKey)).toBe(0);
    expect(keepIndex(rows, null, cardKey)).toBe(0);
    expect(keepIndex([], null, cardKey)).toBe(-1);
    expect(cleanQuery({ q: '  ', device: '', lane: 'RED', status: undefined, limit: 5 })).toEqual({ lane: 'RED', limit: 5 });
  });

  it('shows a list time as HH:MM today, else the date', () => {
    const now = at(16, 0);
    expect(shortTime(iso(at(9, 7)), now)).toBe('09:07');
    expect(shortTime(iso(at(9, 7, 0, 2)), now)).toBe('2026-03-02');
    expect(shortTime('x', now)).toBe('—');
  });
});
