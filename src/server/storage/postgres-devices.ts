// Postgres storage, device lifecycle: health, stats, contracts, enrollment, revocation, roles.
import { parseRoles, planContractRows } from './common';
import { PG_SCHEMA_VERSION } from './postgres-migrations';
import { schemaStatus } from './postgres-migrate';
import { eventFeedRow, normalizeRoles } from './team';
import { type ServerStorage, type StorageHealth } from './types';
import type { PostgresContext } from './postgres-context';
import { withTx } from './postgres-helpers';

function devicesMethods1({
  pool,
  audit,
  allContracts,
  state,
}: PostgresContext): Pick<ServerStorage, 'backend' | 'health' | 'stats' | 'close' | 'registerContracts' | 'createEnrollmentToken'> {
  return {
    backend: 'postgres',

    async health(): Promise<StorageHealth> {
      try {
        const r = await pool.query<{ size: number }>('SELECT pg_database_size(current_database()) AS size');
        // A newer schema that declares this build compatible is healthy (N and N+1 side by side).
        const { version, compatible } = await schemaStatus(pool);
        const ok = version >= PG_SCHEMA_VERSION && compatible;
        const detail = ok ? 'ok' : `schema version ${version}, this server needs ${PG_SCHEMA_VERSION} or a newer compatible one`;
        return { ok, detail, sizeBytes: Number(r.rows[0]?.size ?? 0) };
      } catch (err) {
        return { ok: false, detail: err instanceof Error ? err.message : String(err), sizeBytes: 0 };
      }
    },

    async stats() {
      const r = await pool.query<{ items: number; last_seq: number; devices: number; flagged: number; revoked: number }>(`SELECT
          (SELECT COUNT(*) FROM sync_items) AS items,
          (SELECT COALESCE(MAX(server_seq), 0) FROM sync_items) AS last_seq,
          (SELECT COUNT(*) FROM devices) AS devices,
          (SELECT COUNT(*) FROM devices WHERE flagged_at IS NOT NULL) AS flagged,
          (SELECT COUNT(*) FROM devices WHERE revoked_at IS NOT NULL) AS revoked`);
      const x = r.rows[0];
      return {
        itemsStored: x?.items ?? 0,
        lastServerSeq: x?.last_seq ?? 0,
        devices: x?.devices ?? 0,
        flaggedDevices: x?.flagged ?? 0,
        revokedDevices: x?.revoked ?? 0,
      };
    },

    async close() {
      if (state.closed) return;
      state.closed = true;
      await pool.end();
    },

    registerContracts: (refs, at) =>
      withTx(pool, async (c) => {
        // Serialise concurrent startups so `breaking` is computed against a stable view.
        await c.query('LOCK TABLE contract_versions IN SHARE ROW EXCLUSIVE MODE');
        for (const r of planContractRows(await allContracts(c), refs, at)) {
          await c.query('INSERT INTO contract_versions (name, version, major, minor, patch, breaking, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
            r.name,
            r.version,
            r.major,
            r.minor,
            r.patch,
            r.breaking,
            r.registeredAt,
          ]);
        }
        return allContracts(c);
      }),

    createEnrollmentToken: (t, a) =>
      withTx(pool, async (c) => {
        await c.query('INSERT INTO enrollment_tokens (token_hash, tenant, user_id, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          t.tokenHash,
          t.tenant,
          t.user,
          t.role,
          t.createdAt,
          t.expiresAt,
        ]);
        await audit(c, a);
      }),
  };
}

function devicesMethods2({
  pool,
  audit,
  getDevice,
  feed,
  currentCert,
  newCert,
}: PostgresContext): Pick<ServerStorage, 'enrollDevice' | 'getDevice' | 'revokeDevice' | 'setDeviceRoles'> {
  return {
    enrollDevice: async (tokenHash, now, d, certify) => {
      const out = await withTx(pool, async (c) => {
        // The conditional UPDATE is the single-use check: of two racing enrollments only one matches.
        const tok = await c.query<{ tenant: string; user_id: string; role: string }>(
          'UPDATE enrollment_tokens SET used_at = $1, used_by = $2 WHERE token_hash = $3 AND used_at IS NULL AND expires_at > $1 RETURNING tenant, user_id, role',
          [now, d.id, tokenHash],
        );
        const t = tok.rows[0];
        if (!t) return { ok: false as const };
        const roles = parseRoles([t.role]);
        await c.query(
          'INSERT INTO devices (id, tenant, user_id, roles, name, public_key, enrolled_at, app_version, encryption_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [d.id, t.tenant, t.user_id, roles, d.name, d.publicKey, d.enrolledAt, d.appVersion, d.encryptionKey],
        );
        await audit(c, {
          ts: now,
          actor: d.id,
          action: 'device.enrolled',
          subject: d.id,
          payload: { tenant: t.tenant, user: t.user_id, roles, name: d.name, appVersion: d.appVersion, encryptionKey: d.encryptionKey !== null },
        });
        const enrolled = await getDevice(c, d.id);
        if (!enrolled) throw new Error('enrolled device vanished');
        const certificate = await newCert(c, d.id, now, certify, [eventFeedRow('enrolled', enrolled, now, null)]);
        const device = (await getDevice(c, d.id))!;
        return { ok: true as const, device, certificate };
      });
      if (out.ok) feed.notify(out.device.tenant);
      return out;
    },

    getDevice: (id) => getDevice(pool, id),

    revokeDevice: async (id, tenant, a, cert) => {
      let notify: string | null = null;
      const out = await withTx(pool, async (c) => {
        const dev = await getDevice(c, id, true);
        if (!dev || (tenant !== null && dev.tenant !== tenant)) return null;
        if (dev.revokedAt !== null) return dev.revokedAt;
        await c.query('UPDATE devices SET revoked_at = $1 WHERE id = $2', [a.ts, id]);
        await audit(c, a);
        await newCert(c, id, a.ts, cert.certify, [eventFeedRow('revoked', dev, a.ts, cert.reason)]);
        notify = dev.tenant;
        return a.ts;
      });
      if (notify !== null) feed.notify(notify);
      return out;
    },

    setDeviceRoles: async (r) => {
      const out = await withTx(pool, async (c) => {
        const dev = await getDevice(c, r.id, true);
        if (!dev || (r.tenant !== null && dev.tenant !== r.tenant)) return { ok: false as const, reason: 'not_found' as const };
        if (dev.revokedAt !== null) return { ok: false as const, reason: 'revoked' as const };
        const roles = normalizeRoles(r.roles);
        if (JSON.stringify(roles) === JSON.stringify(normalizeRoles(dev.roles)) && dev.certVersion > 0) {
          return { ok: true as const, device: dev, certificate: (await currentCert(c, dev.id))!, changed: false };
        }
        await c.query('UPDATE devices SET roles = $1 WHERE id = $2', [roles, dev.id]);
        await audit(c, { ...r.audit, payload: { ...r.audit.payload, previous: dev.roles } });
        const certificate = await newCert(c, dev.id, r.audit.ts, r.certify, [eventFeedRow('roles', dev, r.audit.ts, r.reason)]);
        return { ok: true as const, device: (await getDevice(c, dev.id))!, certificate, changed: true };
      });
      if (out.ok && out.changed) feed.notify(out.device.tenant);
      return out;
    },
  };
}

export function postgresDevicesMethods(ctx: PostgresContext) {
  return { ...devicesMethods1(ctx), ...devicesMethods2(ctx) };
}
