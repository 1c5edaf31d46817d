import { describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import type { TeamStatus } from '../../../shared/team/views';
import { reachOf } from './reach-words';

initI18n('en');

const status = (over: Partial<TeamStatus> & { current?: number | null; revoked?: boolean } = {}): TeamStatus => ({
  enrolled: over.enrolled ?? true,
  device: 'dev_a',
  certificate: { version: 1, roles: ['field'], status: over.revoked ? 'revoked' : 'active', expiresAt: '2027-01-01T00:00:00Z', hasEncryptionKey: true },
  keys: {
    versions: over.current ? [over.current] : [],
    current: over.current === undefined ? 1 : over.current,
    waitingForKey: over.current === null,
    admin: false,
  },
  pull: { cursor: 0, lastPullAt: null, lastServerTime: null, applied: 0, live: false, stopped: null },
  refused: 0,
  peers: 0,
});

describe('whether a waiting run reaches reviewers', () => {
  it('says why not, in words, and when it will', () => {
    expect(reachOf(status({ enrolled: false }), 'awaiting_approval')).toMatch(/not enrolled in a team/);
    expect(reachOf(status({ current: null }), 'awaiting_approval')).toMatch(/no team key.*shared with reviewers then/);
    expect(reachOf(status({ revoked: true }), 'awaiting_approval')).toMatch(/revoked/);
  });

  it('says nothing once it is shared, for a run that does not wait, or before team status is known', () => {
    expect(reachOf(status(), 'awaiting_approval')).toBeNull();
    expect(reachOf(status({ enrolled: false }), 'succeeded')).toBeNull();
    expect(reachOf(null, 'awaiting_approval')).toBeNull();
  });
});
