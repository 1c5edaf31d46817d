// Sqlite storage, device lifecycle: health, stats, contracts, enrollment, revocation, roles.
import { parseRoles, planContractRows } from './common';
import { eventFeedRow, normalizeRoles } from './team';
import { type ServerStorage } from './types';
import type { SqliteContext } from './sqlite-context';
import { health, readiness } from './sqlite-helpers';

function devicesMethods1({
  db,
  q,
  audit,
  getDevice,
  feed,
  newCert,
  allContracts,
}: SqliteContext): Pick<
  ServerStorage,
  'backend' | 'health' | 'readiness' | 'stats' | 'registerContracts' | 'createEnrollmentToken' | 'enrollDevice' | 'getDevice'
> {
  return {
    backend: 'sqlite',
    health: () => Promise.resolve(health(db)),
    readiness: () => Promise.resolve(readiness(db)),
    stats: () => {
      const r = q.stats.get() as Record<string, number>;
      return Promise.resolve({
        itemsStored: r.items ?? 0,
        lastServerSeq: r.last_seq ?? 0,
        devices: r.devices ?? 0,
        flaggedDevices: r.flagged ?? 0,
        revokedDevices: r.revoked ?? 0,
      });
    },

    registerContracts: (refs, at) =>
      Promise.resolve(
        db
          .transaction(() => {
            for (const r of planContractRows(allContracts(), refs, at)) {
              q.insertContract.run(r.name, r.version, r.major, r.minor, r.patch, r.breaking ? 1 : 0, r.registeredAt);
            }
            return allContracts();
          })
          .immediate(),
      ),

    createEnrollmentToken: (t, a) => {
      db.transaction(() => {
        q.insertToken.run(t.tokenHash, t.tenant, t.user, t.role, t.createdAt, t.expiresAt);
        audit(a);
      }).immediate();
      return Promise.resolve();
    },

    enrollDevice: (tokenHash, now, d, certify) => {
      const out = db
        .transaction(() => {
          const tok = q.useToken.get(now, d.id, tokenHash, now) as { tenant: string; user_id: string; role: string } | undefined;
          if (!tok) return { ok: false as const };
          const roles = parseRoles([tok.role]);
          q.insertDevice.run(d.id, tok.tenant, tok.user_id, JSON.stringify(roles), d.name, d.publicKey, d.enrolledAt, d.appVersion, d.encryptionKey);
          audit({
            ts: now,
            actor: d.id,
            action: 'device.enrolled',
            subject: d.id,
            payload: { tenant: tok.tenant, user: tok.user_id, roles, name: d.name, appVersion: d.appVersion, encryptionKey: d.encryptionKey !== null },
          });
          const enrolled = getDevice(d.id);
          if (!enrolled) throw new Error('enrolled device vanished');
          const certificate = newCert(d.id, now, certify, [eventFeedRow('enrolled', enrolled, now, null)]);
          const device = getDevice(d.id)!;
          return { ok: true as const, device, certificate };
        })
        .immediate();
      if (out.ok) feed.notify(out.device.tenant);
      return Promise.resolve(out);
    },

    getDevice: (id) => Promise.resolve(getDevice(id)),
  };
}

function devicesMethods2({ db, q, audit, getDevice, feed, currentCert, newCert }: SqliteContext): Pick<ServerStorage, 'revokeDevice' | 'setDeviceRoles'> {
  return {
    revokeDevice: (id, tenant, a, cert) => {
      let notify: string | null = null;
      const out = db
        .transaction(() => {
          const dev = getDevice(id);
          if (!dev || (tenant !== null && dev.tenant !== tenant)) return null;
          if (dev.revokedAt !== null) return dev.revokedAt;
          q.revoke.run(a.ts, id);
          audit(a);
          newCert(id, a.ts, cert.certify, [eventFeedRow('revoked', dev, a.ts, cert.reason)]);
          notify = dev.tenant;
          return a.ts;
        })
        .immediate();
      if (notify !== null) feed.notify(notify);
      return Promise.resolve(out);
    },

    setDeviceRoles: (r) => {
      const out = db
        .transaction(() => {
          const dev = getDevice(r.id);
          if (!dev || (r.tenant !== null && dev.tenant !== r.tenant)) return { ok: false as const, reason: 'not_found' as const };
          if (dev.revokedAt !== null) return { ok: false as const, reason: 'revoked' as const };
          const roles = normalizeRoles(r.roles);
          if (JSON.stringify(roles) === JSON.stringify(normalizeRoles(dev.roles)) && dev.certVersion > 0) {
            return { ok: true as const, device: dev, certificate: currentCert(dev.id)!, changed: false };
          }
          q.setRoles.run(JSON.stringify(roles), dev.id);
          audit({ ...r.audit, payload: { ...r.audit.payload, previous: dev.roles } });
          const certificate = newCert(dev.id, r.audit.ts, r.certify, [eventFeedRow('roles', dev, r.audit.ts, r.reason)]);
          return { ok: true as const, device: getDevice(dev.id)!, certificate, changed: true };
        })
        .immediate();
      if (out.ok && out.changed) feed.notify(out.device.tenant);
      return Promise.resolve(out);
    },
  };
}

export function sqliteDevicesMethods(ctx: SqliteContext) {
  return { ...devicesMethods1(ctx), ...devicesMethods2(ctx) };
}
