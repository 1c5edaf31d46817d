// Shared state and helpers of the postgres storage (postgres.ts).
import pg from 'pg';
import { toDevice, type DeviceRow } from './common';
import { certOf, FeedListeners, issueCert, type FeedInsert } from './team';
import type { SignedCertificate } from '../../shared/team/protocol';
import { type AuditInput, type Certify, type ContractVersionRow, type DeviceRecord } from './types';
import { FEED_LOCK_NS, type Queryable } from './postgres-helpers';
import { auditPostgres } from './audit-chain-postgres';

/** Where appendFeed's notifications go (postgres-notify.ts): the schema's channel and this server's id. */
interface FeedWake {
  channel: string;
  instance: string;
}

/** What the postgres storage's methods share: the connection, its statements and the helpers that run inside a caller's transaction. */
export function createPostgresContext(pool: pg.Pool, wake: FeedWake) {
  // Hash-chained (audit-chain-postgres.ts): queued in the caller's withTx, chained just before COMMIT.
  const audit = (c: Queryable, a: AuditInput): Promise<void> => auditPostgres(c, a);
  const getDevice = async (c: Queryable, id: string, forUpdate = false): Promise<DeviceRecord | null> => {
    const r = await c.query<DeviceRow>(`SELECT * FROM devices WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    const row = r.rows[0];
    return row ? toDevice(row) : null;
  };
  const allContracts = async (c: Queryable): Promise<ContractVersionRow[]> => {
    const r = await c.query<{ name: string; version: string; major: number; minor: number; patch: number; breaking: boolean; registered_at: string }>(
      'SELECT name, version, major, minor, patch, breaking, registered_at FROM contract_versions',
    );
    return r.rows.map((x) => ({
      name: x.name,
      version: x.version,
      major: x.major,
      minor: x.minor,
      patch: x.patch,
      breaking: x.breaking,
      registeredAt: x.registered_at,
    }));
  };
  const state = { closed: false };

  // ---- team sync helpers (inside a caller's transaction)
  const feed = new FeedListeners();
  const appendFeed = async (c: Queryable, tenant: string, rows: readonly FeedInsert[], at: string): Promise<void> => {
    if (rows.length === 0) return;
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FEED_LOCK_NS, tenant]);
    // The same statement tells every instance's pulls (postgres-notify.ts): NOTIFY is transactional,
    // delivered on commit only. Payload: tenant|commit time (ms, for the wake latency)|this server.
    await c.query(
      `WITH ins AS (
         INSERT INTO team_feed (tenant, kind, min_role, to_device, from_device, item_seq, body, created_at)
         SELECT $1, x.kind, x.min_role, x.to_device, x.from_device, x.item_seq, x.body, $8
         FROM unnest($2::text[], $3::integer[], $4::text[], $5::text[], $6::bigint[], $7::text[]) WITH ORDINALITY
           AS x(kind, min_role, to_device, from_device, item_seq, body, n)
         ORDER BY x.n)
       SELECT pg_notify($9, $1::text || '|' || floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::text || '|' || $10::text)`,
      [
        tenant,
        rows.map((r) => r.kind),
        rows.map((r) => r.minRole),
        rows.map((r) => r.toDevice),
        rows.map((r) => r.fromDevice),
        rows.map((r) => r.itemSeq),
        rows.map((r) => r.body),
        at,
        wake.channel,
        wake.instance,
      ],
    );
  };
  const currentCert = async (c: Queryable, id: string): Promise<SignedCertificate | null> => {
    const r = await c.query<{ cert_json: string; signature: string }>(
      'SELECT c.cert_json, c.signature FROM devices d JOIN device_certs c ON c.device = d.id AND c.version = d.cert_version WHERE d.id = $1',
      [id],
    );
    const row = r.rows[0];
    return row ? certOf(row.cert_json, row.signature) : null;
  };
  /** Issues the next certificate version of `id` as its row stands now (the caller holds it FOR UPDATE), with its feed rows. */
  const newCert = async (c: Queryable, id: string, at: string, certify: Certify, extra: readonly FeedInsert[] = []): Promise<SignedCertificate> => {
    const dev = await getDevice(c, id);
    if (!dev) throw new Error(`device ${id} vanished`);
    const cert = issueCert(dev, at, certify);
    await c.query('INSERT INTO device_certs (device, version, tenant, cert_json, signature, issued_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      dev.id,
      cert.version,
      dev.tenant,
      cert.certJson,
      cert.signed.signature,
      at,
    ]);
    await c.query('UPDATE devices SET cert_version = $1 WHERE id = $2', [cert.version, dev.id]);
    await appendFeed(c, dev.tenant, [cert.feed, ...extra], at);
    return cert.signed;
  };

  return { pool, audit, getDevice, allContracts, state, feed, appendFeed, currentCert, newCert };
}

export type PostgresContext = ReturnType<typeof createPostgresContext>;
