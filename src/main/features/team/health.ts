// The Health view's team.sync check: enrolment, a stopped pull, revocation, the tenant key.
import type { HealthRegistry } from '../../platform/health';
import type { TeamService } from './index';

export function registerTeamHealth(health: HealthRegistry, team: Pick<TeamService, 'status'>): void {
  health.register('team.sync', () => {
    const st = team.status();
    const figures = { cursor: st.pull.cursor, applied: st.pull.applied, keyVersions: st.keys.versions.length, refused: st.refused, peers: st.peers };
    if (!st.enrolled) return { service: 'team', status: 'ok', summary: 'Not enrolled: nothing is shared or pulled.', figures };
    if (st.pull.stopped)
      return {
        service: 'team',
        status: 'error',
        summary: `The pull stopped at item ${st.pull.stopped.seq} (${st.pull.stopped.code}): ${st.pull.stopped.message}`,
        figures,
      };
    if (st.certificate?.status === 'revoked') return { service: 'team', status: 'error', summary: 'This device has been revoked.', figures };
    const keys = st.keys.waitingForKey
      ? 'waiting for the tenant key from an admin device'
      : st.keys.current === null
        ? 'no tenant key yet (no admin device has created one): items are sealed under this device’s own key and not shared'
        : `tenant key v${st.keys.current}`;
    return {
      service: 'team',
      status: st.keys.waitingForKey || st.refused > 0 ? 'warn' : 'ok',
      summary: `Certificate v${st.certificate?.version ?? '?'}, ${keys}; last pull ${st.pull.lastPullAt ?? 'never'}${st.refused ? `; ${st.refused} refused ${st.refused === 1 ? 'item' : 'items'}` : ''}.`,
      figures,
    };
  });
}
