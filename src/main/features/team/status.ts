// team.status: enrollment, this device's certificate, tenant key versions and where the pull stands.
import type { TeamStatus } from '../../../shared/team/views';
import type { TeamCore } from './core';
import type { CertStore } from './cert-store';

export function teamStatus(core: TeamCore, certs: CertStore, tenantKeyOnServer: boolean | null): TeamStatus {
  const cfg = core.config();
  const st = core.stateRow();
  const mine = cfg ? certs.latest(cfg.deviceId) : null;
  const versions = cfg ? core.d.tenantKeys.versions(cfg.tenant) : [];
  const { refused, peers } = certs.count();
  return {
    enrolled: cfg !== null,
    device: cfg?.deviceId ?? null,
    certificate: mine && {
      version: mine.certVersion,
      roles: mine.roles,
      status: mine.status,
      expiresAt: mine.expiresAt,
      hasEncryptionKey: mine.encryptionKey !== null,
    },
    keys: {
      versions,
      current: versions.length ? versions[versions.length - 1]! : null,
      // No tenant key on the server at all (no admin device yet) is not waiting: items are sealed
      // under this device's own key meanwhile.
      waitingForKey: cfg !== null && ((versions.length === 0 && tenantKeyOnServer !== false) || core.keyWait !== null),
      admin: cfg?.roles.includes('admin') ?? false,
    },
    pull: {
      cursor: st.cursor,
      lastPullAt: st.last_pull_at,
      lastServerTime: st.last_server_time,
      applied: st.applied,
      live: core.live,
      stopped:
        st.stopped_seq !== null ? { seq: st.stopped_seq, code: st.stopped_code ?? '', message: st.stopped_message ?? '', at: st.stopped_at ?? '' } : null,
    },
    refused,
    peers,
  };
}
