// PostgreSQL storage, key rotation: the server key chain and device key history (keys-types.ts).
// The chain's compare-and-set runs under a row lock on the newest key, so two operators (or
// instances) adding a key at once cannot both succeed.
import { keyArgs, rotationAudit, toKeyRow as toRow, type KeySqlRow } from './keys-types';
import type { ServerStorage } from './types';
import type { PostgresContext } from './postgres-context';
import { withTx } from './postgres-helpers';

const INSERT_KEY =
  'INSERT INTO server_keys (key_id, seq, public_key, statement_json, valid_from, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING';
/** One lock for changes to the chain (a keyspace apart from the migration and feed locks). */
const KEY_CHAIN_LOCK = 7_405_331_023;

type KeyMethods = 'listServerKeys' | 'seedServerKey' | 'appendServerKey' | 'rotateDeviceKey' | 'deviceKeys';

export function postgresKeysMethods({ pool, audit, getDevice, feed, newCert }: PostgresContext): Pick<ServerStorage, KeyMethods> {
  const headOf = async (c: Pick<typeof pool, 'query'>): Promise<KeySqlRow | undefined> =>
    (await c.query<KeySqlRow>('SELECT * FROM server_keys ORDER BY seq DESC LIMIT 1')).rows[0];
  return {
    listServerKeys: async () => (await pool.query<KeySqlRow>('SELECT * FROM server_keys ORDER BY seq')).rows.map(toRow),
    seedServerKey: (row) =>
      withTx(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [KEY_CHAIN_LOCK]);
        if (await headOf(c)) return false;
        await c.query(INSERT_KEY, keyArgs(row));
        return true;
      }),
    appendServerKey: (row, headKeyId, a) =>
      withTx(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [KEY_CHAIN_LOCK]);
        const h = await headOf(c);
        if (!h || h.key_id !== headKeyId || row.seq !== h.seq + 1) return false;
        const ins = await c.query(INSERT_KEY, keyArgs(row));
        if (ins.rowCount !== 1) return false;
        await audit(c, a);
        return true;
      }),
    rotateDeviceKey: async (r) => {
      const out = await withTx(pool, async (c) => {
        const dev = await getDevice(c, r.device, true);
        if (!dev) return { ok: false as const, reason: 'not_found' as const };
        if (dev.revokedAt !== null) return { ok: false as const, reason: 'revoked' as const };
        if (dev.publicKey !== r.oldPublicKey) return { ok: false as const, reason: 'key_changed' as const };
        const used = await c.query('SELECT 1 FROM device_keys WHERE device = $1 AND public_key = $2', [dev.id, r.newPublicKey]);
        if (used.rowCount || r.newPublicKey === dev.publicKey) return { ok: false as const, reason: 'key_in_use' as const };
        await c.query('INSERT INTO device_keys (device, version, public_key, valid_from) VALUES ($1, 1, $2, $3) ON CONFLICT DO NOTHING', [
          dev.id,
          dev.publicKey,
          dev.enrolledAt,
        ]);
        const last = Number((await c.query<{ v: number }>('SELECT MAX(version) AS v FROM device_keys WHERE device = $1', [dev.id])).rows[0]!.v);
        const version = last + 1;
        await c.query('UPDATE device_keys SET replaced_at = $1 WHERE device = $2 AND version = $3', [r.at, dev.id, last]);
        await c.query('INSERT INTO device_keys (device, version, public_key, proof_json, proof_sig, valid_from) VALUES ($1, $2, $3, $4, $5, $6)', [
          dev.id,
          version,
          r.newPublicKey,
          r.proofJson,
          r.proofSig,
          r.at,
        ]);
        await c.query('UPDATE devices SET public_key = $1 WHERE id = $2', [r.newPublicKey, dev.id]);
        await audit(c, rotationAudit(dev.id, r.at, version, dev.publicKey, r.newPublicKey));
        const certificate = await newCert(c, dev.id, r.at, r.certify);
        return { ok: true as const, version, certificate, tenant: dev.tenant };
      });
      if (!out.ok) return out;
      feed.notify(out.tenant);
      return { ok: true, version: out.version, certificate: out.certificate };
    },
    deviceKeys: async (device) =>
      (
        await pool.query<{ version: number; public_key: string; valid_from: string; replaced_at: string | null }>(
          'SELECT version, public_key, valid_from, replaced_at FROM device_keys WHERE device = $1 ORDER BY version',
          [device],
        )
      ).rows.map((x) => ({ version: x.version, publicKey: x.public_key, validFrom: x.valid_from, replacedAt: x.replaced_at })),
  };
}
