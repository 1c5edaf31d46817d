// The Health view's team.sync check: enrolment, a stopped pull, revocation, the tenant key.
import { withCause } from '../../../shared/error-messages';
import { msg } from '../../../shared/messages';
import type { HealthRegistry } from '../../platform/health';
import type { TeamService } from './index';

export function registerTeamHealth(health: HealthRegistry, team: Pick<TeamService, 'status'>): void {
  health.register('team.sync', () => {
    const st = team.status();
    const figures = { cursor: st.pull.cursor, applied: st.pull.applied, keyVersions: st.keys.versions.length, refused: st.refused, peers: st.peers };
    // The summary in English for logs; the messages (health.check.team.sync.*) for the view.
    if (!st.enrolled) {
      return {
        service: 'team',
        status: 'ok',
        summary: 'Not enrolled: nothing is shared or pulled.',
        messages: [msg('health.check.team.sync.not_enrolled')],
        figures,
      };
    }
    if (st.pull.stopped)
      return {
        service: 'team',
        status: 'error',
        summary: `The pull stopped at item ${st.pull.stopped.seq} (${st.pull.stopped.code}): ${st.pull.stopped.message}`,
        // The stored reason is the applier's own text: it shows as it is, as the message's cause.
        messages: [withCause(msg('health.check.team.sync.stopped', { seq: String(st.pull.stopped.seq), code: st.pull.stopped.code }), st.pull.stopped.message)],
        figures,
      };
    if (st.certificate?.status === 'revoked') {
      return { service: 'team', status: 'error', summary: 'This device has been revoked.', messages: [msg('health.check.team.sync.revoked')], figures };
    }
    const keys = st.keys.waitingForKey
      ? 'waiting for the tenant key from an admin device'
      : st.keys.current === null
        ? 'no tenant key yet (no admin device has created one): items are sealed under this device’s own key and not shared'
        : `tenant key v${st.keys.current}`;
    return {
      service: 'team',
      status: st.keys.waitingForKey || st.refused > 0 ? 'warn' : 'ok',
      summary: `Certificate v${st.certificate?.version ?? '?'}, ${keys}; last pull ${st.pull.lastPullAt ?? 'never'}${st.refused ? `; ${st.refused} refused ${st.refused === 1 ? 'item' : 'items'}` : ''}.`,
      messages: [
        msg('health.check.team.sync.status', {
          certificate: String(st.certificate?.version ?? '?'),
          keys: st.keys.waitingForKey ? 'waiting' : st.keys.current === null ? 'none' : 'current',
          key: String(st.keys.current ?? ''),
          lastPull: st.pull.lastPullAt ?? 'never',
          refused: st.refused,
        }),
      ],
      figures,
    };
  });
}
