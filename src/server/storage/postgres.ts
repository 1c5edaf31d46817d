// PostgreSQL implementation of ServerStorage (chosen when DATABASE_URL is set). Same contract as
// sqlite.ts; the shared decisions live in common.ts. Writes that belong together run on one pooled
// client between BEGIN and COMMIT. All SQL is parameterised.
import pg from 'pg';
import { DEFAULT_RISK_POLICY, type RiskPolicy } from '../../shared/risk';
import {
  classifyExisting,
  deviceListSql,
  itemAudit,
  parseRoles,
  planContractRows,
  planVersionLevels,
  recomputeRiskSql,
  refreshRiskSql,
  riskSummarySql,
  toDevice,
  toSummary,
  versionLevelBatchSql,
  type DeviceRow,
  type VersionLevelRow,
} from './common';
import { migratePostgres } from './postgres-migrate';
import { PG_SCHEMA_VERSION } from './postgres-migrations';
import {
  certOf,
  cutPage,
  eventFeedRow,
  FeedListeners,
  issueCert,
  itemFeedRow,
  judgeTeamKeys,
  keyFeedRow,
  normalizeRoles,
  toFeedItem,
  type FeedInsert,
  type FeedItemSqlRow,
} from './team';
import type { SignedCertificate } from '../../shared/team/protocol';
import {
  StorageOpenError,
  type AuditInput,
  type Certify,
  type ContractVersionRow,
  type DeviceRecord,
  type FeedRow,
  type IngestOutcome,
  type IssuedReceipt,
  type SnapshotInput,
  type NewItem,
  type ServerStorage,
  type StorageHealth,
  VERSION_LEVEL_BATCH,
} from './types';

export interface PostgresStorageOptions {
  connectionString: string;
  /** Schema to use instead of the role's default search_path (tests use a fresh one each). */
  schema?: string;
  poolSize?: number;
  /** Errors on idle pooled connections (e.g. the server restarted); without a handler they crash the process. */
  onPoolError?: (err: Error) => void;
}

// Two-key advisory locks (a keyspace apart from the one-key migration lock): (namespace, tenant hash).
// Every transaction that appends team_feed rows takes its tenant's lock just before the inserts and
// holds it to commit, so a tenant's feed rows commit in seq order and a pull never passes a row that
// commits later with a lower seq.
const FEED_LOCK_NS = 7405;
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

// Per-pool parsers (not the process-global pg.types): int8 → number (our seqs and counts stay far
// below 2^53) and timestamptz → the same ISO text the SQLite backend stores.
const baseTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (v: string) => Date;
export const PG_TYPE_PARSERS = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    if (oid === pg.types.builtins.TIMESTAMPTZ) return (v: string) => baseTimestamptz(v).toISOString();
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

type Queryable = Pick<pg.PoolClient, 'query'>;

const UPSERT_SNAPSHOT = `INSERT INTO device_snapshots (day, device, tenant, level, pending_count, dead_letter_count, last_sync_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (day, device) DO UPDATE SET level = excluded.level, pending_count = excluded.pending_count,
    dead_letter_count = excluded.dead_letter_count, last_sync_at = excluded.last_sync_at`;
const snapshotArgs = (r: SnapshotInput): unknown[] => [r.day, r.device, r.tenant, r.level, r.pendingCount, r.deadLetterCount, r.lastSyncAt];

export async function openPostgresStorage(opts: PostgresStorageOptions): Promise<ServerStorage> {
  if (opts.schema !== undefined && !IDENT.test(opts.schema)) throw new Error(`Invalid schema name ${opts.schema}`);
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize ?? 10,
    types: PG_TYPE_PARSERS,
    // search_path set at connection start, so every pooled connection sees the same schema.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  pool.on('error', (err) => opts.onPoolError?.(err));
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    if (err instanceof StorageOpenError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new StorageOpenError('DB_UNREACHABLE', `Cannot open PostgreSQL storage: ${msg}`);
  }
  return createPostgresRepository(pool);
}

async function migrate(pool: pg.Pool): Promise<void> {
  await withTx(pool, migratePostgres);
}

async function withTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {
      broken = true; // a connection that cannot roll back must not go back into the pool
    });
    throw err;
  } finally {
    c.release(broken);
  }
}

interface StoredRow {
  content_hash: string;
  receipt_json: string;
  receipt_sig: string;
}

type Winner = Extract<IngestOutcome, { status: 'decided' }>['winner'];
interface ClaimRow {
  idempotency_key: string;
  device: string;
  user_id: string;
  server_seq: number;
  received_at: string;
}
const winnerOf = (r: ClaimRow): Winner => ({ device: r.device, user: r.user_id, serverSeq: Number(r.server_seq), receivedAt: r.received_at });

function createPostgresRepository(pool: pg.Pool): ServerStorage {
  const audit = async (c: Queryable, a: AuditInput): Promise<void> => {
    await c.query('INSERT INTO server_audit (ts, actor, action, subject, payload) VALUES ($1, $2, $3, $4, $5)', [
      a.ts,
      a.actor,
      a.action,
      a.subject,
      JSON.stringify(a.payload),
    ]);
  };
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
  let closed = false;

  // ---- team sync helpers (inside a caller's transaction)
  const feed = new FeedListeners();
  const appendFeed = async (c: Queryable, tenant: string, rows: readonly FeedInsert[], at: string): Promise<void> => {
    if (rows.length === 0) return;
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FEED_LOCK_NS, tenant]);
    await c.query(
      `INSERT INTO team_feed (tenant, kind, min_role, to_device, from_device, item_seq, body, created_at)
       SELECT $1, x.kind, x.min_role, x.to_device, x.from_device, x.item_seq, x.body, $8
       FROM unnest($2::text[], $3::integer[], $4::text[], $5::text[], $6::bigint[], $7::text[]) WITH ORDINALITY
         AS x(kind, min_role, to_device, from_device, item_seq, body, n)
       ORDER BY x.n`,
      [
        tenant,
        rows.map((r) => r.kind),
        rows.map((r) => r.minRole),
        rows.map((r) => r.toDevice),
        rows.map((r) => r.fromDevice),
        rows.map((r) => r.itemSeq),
        rows.map((r) => r.body),
        at,
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

  return {
    backend: 'postgres',

    async health(): Promise<StorageHealth> {
      try {
        const r = await pool.query<{ size: number; version: number }>(
          'SELECT pg_database_size(current_database()) AS size, (SELECT MAX(version) FROM schema_migrations) AS version',
        );
        const row = r.rows[0];
        const version = Number(row?.version ?? 0);
        const ok = version === PG_SCHEMA_VERSION;
        return { ok, detail: ok ? 'ok' : `schema version ${version}, expected ${PG_SCHEMA_VERSION}`, sizeBytes: Number(row?.size ?? 0) };
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
      if (closed) return;
      closed = true;
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

    registerEncryptionKey: async (r) => {
      let notify: string | null = null;
      const out = await withTx(pool, async (c) => {
        const dev = await getDevice(c, r.id, true);
        if (!dev) return { ok: false as const, reason: 'not_found' as const };
        if (dev.encryptionKey !== null && dev.encryptionKey !== r.key) return { ok: false as const, reason: 'key_set' as const };
        if (dev.encryptionKey === r.key && dev.certVersion > 0) return { ok: true as const, certificate: (await currentCert(c, dev.id))!, changed: false };
        await c.query('UPDATE devices SET encryption_key = $1 WHERE id = $2', [r.key, dev.id]);
        await audit(c, r.audit);
        const certificate = await newCert(c, dev.id, r.audit.ts, r.certify, [eventFeedRow('encryption-key', dev, r.audit.ts, null)]);
        notify = dev.tenant;
        return { ok: true as const, certificate, changed: true };
      });
      if (notify !== null) feed.notify(notify);
      return out;
    },

    currentCertificate: async (r) => {
      const current = await currentCert(pool, r.id);
      if (current && !r.needsRenewal(current)) return current;
      let notify: string | null = null;
      const out = await withTx(pool, async (c) => {
        const dev = await getDevice(c, r.id, true);
        if (!dev) return null;
        // Re-read under the row lock: a concurrent request may have issued it already.
        const now = await currentCert(c, r.id);
        if (now && !r.needsRenewal(now)) return now;
        const certificate = await newCert(c, dev.id, r.at, r.certify);
        await audit(c, {
          ts: r.at,
          actor: 'server',
          action: 'device.certificate.issued',
          subject: dev.id,
          payload: {
            certVersion: certificate.cert.certVersion,
            why: now ? 'renewal' : 'first',
            roles: certificate.cert.roles,
            status: certificate.cert.status,
          },
        });
        notify = dev.tenant;
        return certificate;
      });
      if (notify !== null) feed.notify(notify);
      return out;
    },

    async wrappedKeysFor(tenant, device) {
      return (
        await pool.query<{ body: string }>('SELECT body FROM wrapped_keys WHERE tenant = $1 AND recipient = $2 ORDER BY version', [tenant, device])
      ).rows.map((r) => r.body);
    },

    async teamKeys(k) {
      const versions = (
        await pool.query<{ version: number; created_by: string; created_at: string }>(
          'SELECT version, created_by, created_at FROM tenant_key_versions WHERE tenant = $1 ORDER BY version',
          [k.tenant],
        )
      ).rows.map((v) => ({ version: v.version, createdBy: v.created_by, createdAt: v.created_at }));
      const mine = (
        await pool.query<{ version: number }>('SELECT version FROM wrapped_keys WHERE tenant = $1 AND recipient = $2 ORDER BY version', [k.tenant, k.device])
      ).rows.map((r) => r.version);
      const missing = k.withMissing
        ? (
            await pool.query<{ id: string; versions: number[]; cert_json: string; signature: string }>(
              `SELECT d.id, array_agg(v.version ORDER BY v.version) AS versions, c.cert_json, c.signature
               FROM devices d
               JOIN tenant_key_versions v ON v.tenant = d.tenant
               JOIN device_certs c ON c.device = d.id AND c.version = d.cert_version
               WHERE d.tenant = $1 AND d.revoked_at IS NULL AND d.encryption_key IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM wrapped_keys w WHERE w.tenant = v.tenant AND w.version = v.version AND w.recipient = d.id)
               GROUP BY d.id, c.cert_json, c.signature
               ORDER BY d.id LIMIT $2`,
              [k.tenant, k.cap],
            )
          ).rows.map((r) => ({ device: r.id, versions: r.versions.map(Number), certificate: certOf(r.cert_json, r.signature) }))
        : [];
      return { versions, mine, missing };
    },

    storeTeamKeys: async (w) => {
      const out = await withTx(pool, async (c) => {
        // The caller and the recipients, share-locked in id order until commit: none can be revoked,
        // re-keyed or lose a role between the check and the insert (and two admins never deadlock).
        const ids = [...new Set([w.by, ...w.wrapped.map((k) => k.recipient)])].sort();
        const locked = new Map(
          (await c.query<DeviceRow>('SELECT * FROM devices WHERE id = ANY($1::text[]) ORDER BY id FOR SHARE', [ids])).rows.map((r) => [r.id, toDevice(r)]),
        );
        const caller = locked.get(w.by) ?? null;
        const cc = (
          await c.query<{ cert_json: string; signature: string }>(
            'SELECT c.cert_json, c.signature FROM devices d JOIN device_certs c ON c.device = d.id AND c.version = d.cert_version WHERE d.id = $1',
            [w.by],
          )
        ).rows[0];
        const recipients = new Map(w.wrapped.flatMap((k) => (locked.has(k.recipient) ? [[k.recipient, locked.get(k.recipient)!] as const] : [])));
        const latest = Number(
          (await c.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM tenant_key_versions WHERE tenant = $1', [w.tenant])).rows[0]?.v ?? 0,
        );
        const refusal = judgeTeamKeys(w, { caller, callerCert: cc ? { json: cc.cert_json, signature: cc.signature } : null, latest, recipients });
        if (refusal) return refusal;
        if (w.create !== null) {
          const ins = await c.query(
            'INSERT INTO tenant_key_versions (tenant, version, created_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant, version) DO NOTHING',
            [w.tenant, w.create, w.by, w.at],
          );
          // Another admin created it in the meantime (we waited for its commit): the first one wins.
          if (ins.rowCount !== 1) {
            return {
              ok: false as const,
              code: 'CONFLICT' as const,
              message: `Tenant key version ${w.create} was created by another admin first`,
              details: { reason: 'key_version', latest: w.create },
            };
          }
        }
        const feedRows: FeedInsert[] = [];
        for (const k of w.wrapped) {
          const ins = await c.query(
            'INSERT INTO wrapped_keys (tenant, version, recipient, body, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, version, recipient) DO NOTHING',
            [w.tenant, k.version, k.recipient, k.json, w.at],
          );
          if (ins.rowCount === 1) feedRows.push(keyFeedRow(k.recipient, k.json));
        }
        if (w.create !== null || feedRows.length > 0)
          await audit(c, { ...w.audit, payload: { ...w.audit.payload, created: w.create, stored: feedRows.length } });
        await appendFeed(c, w.tenant, feedRows, w.at);
        return { ok: true as const, created: w.create !== null, stored: feedRows.length };
      });
      if (out.ok && out.stored > 0) feed.notify(w.tenant);
      return out;
    },

    async pullFeed(f) {
      // The tenant's highest seq first: feed rows of a tenant commit in seq order (FEED_LOCK_NS), so
      // every row up to it is visible to the scan that follows.
      const max = Number(
        (await pool.query<{ seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM team_feed WHERE tenant = $1', [f.tenant])).rows[0]?.seq ?? 0,
      );
      const scanned = (
        await pool.query<{ seq: number; kind: FeedRow['kind']; created_at: string; body: string | null; item_seq: number | null; bytes: number }>(
          `SELECT f.seq, f.kind, f.created_at, f.body, f.item_seq, COALESCE(octet_length(s.ciphertext), 0) AS bytes
           FROM team_feed f LEFT JOIN sync_items s ON s.server_seq = f.item_seq
           WHERE f.tenant = $1 AND f.seq > $2 AND (f.to_device = $3 OR f.min_role <= $4)
             AND (f.from_device IS NULL OR f.from_device <> $3)
           ORDER BY f.seq LIMIT $5`,
          [f.tenant, f.since, f.device, f.rank, f.limit + 1],
        )
      ).rows.map((r) => ({ ...r, seq: Number(r.seq), item_seq: r.item_seq === null ? null : Number(r.item_seq), bytes: Number(r.bytes) }));
      const { rows, hasMore } = cutPage(scanned, f.limit, f.maxBytes);
      const itemSeqs = rows.flatMap((r) => (r.item_seq === null ? [] : [r.item_seq]));
      const items = new Map<number, FeedItemSqlRow>();
      if (itemSeqs.length > 0) {
        const r = await pool.query<FeedItemSqlRow & { server_seq: number }>(
          `SELECT s.server_seq, s.device, d.user_id, s.idempotency_key, s.contract, s.kind, s.created_at, s.key_version, s.key_scope, s.subject,
             s.to_device, s.ciphertext, s.iv, s.tag, s.content_hash, s.receipt_json, s.receipt_sig
           FROM sync_items s JOIN devices d ON d.id = s.device WHERE s.server_seq = ANY($1::bigint[])`,
          [itemSeqs],
        );
        for (const x of r.rows) items.set(Number(x.server_seq), x);
      }
      const out: FeedRow[] = rows.map((r) => {
        let item = null;
        if (r.item_seq !== null) {
          const x = items.get(r.item_seq);
          if (!x) throw new Error(`feed row names a missing sync item ${r.item_seq}`);
          item = toFeedItem(x);
        }
        return { seq: r.seq, kind: r.kind, at: r.created_at, body: r.body, item };
      });
      const last = rows[rows.length - 1]?.seq ?? f.since;
      return { rows: out, hasMore, until: hasMore ? last : Math.max(f.since, max, last) };
    },

    subscribeFeed: (tenant, listener) => feed.subscribe(tenant, listener),

    async rememberNonce(device, nonce, seenAt) {
      const r = await pool.query('INSERT INTO nonces (device, nonce, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [device, nonce, seenAt]);
      return r.rowCount === 1;
    },

    async purgeNonces(before) {
      return (await pool.query('DELETE FROM nonces WHERE seen_at < $1', [before])).rowCount ?? 0;
    },

    ingestBatch: async (req) => {
      let fed = false;
      const outcomes = await withTx(pool, async (c) => {
        // Rows are written signed here (no unsigned phase as in SQLite): classify and number the
        // items, sign every new receipt at once (worker threads), then insert.
        const select = (key: string) =>
          c.query<StoredRow>('SELECT content_hash, receipt_json, receipt_sig FROM sync_items WHERE tenant = $1 AND idempotency_key = $2', [req.tenant, key]);
        const selectClaim = (card: string) =>
          c.query<ClaimRow>('SELECT idempotency_key, device, user_id, server_seq, received_at FROM approval_claims WHERE tenant = $1 AND card_id = $2', [
            req.tenant,
            card,
          ]);
        const plan: (
          | { kind: 'stored'; row: StoredRow }
          | { kind: 'earlier'; index: number }
          | { kind: 'new'; index: number }
          | { kind: 'decided'; winner: Winner }
          /** An approval for a card an earlier new item of this batch decides (if that one is stored). */
          | { kind: 'claimedBy'; index: number }
        )[] = [];
        const fresh: { seq: number; item: NewItem; receipt: IssuedReceipt }[] = [];
        const inBatch = new Map<string, number>();
        const claimedInBatch = new Map<string, number>();
        for (const it of req.items) {
          const earlier = inBatch.get(it.idempotencyKey);
          if (earlier !== undefined) {
            plan.push({ kind: 'earlier', index: earlier });
            continue;
          }
          const row = (await select(it.idempotencyKey)).rows[0];
          if (row) {
            plan.push({ kind: 'stored', row });
            continue;
          }
          if (it.kind === 'approval' && it.subject) {
            const mate = claimedInBatch.get(it.subject);
            if (mate !== undefined) {
              plan.push({ kind: 'claimedBy', index: mate });
              continue;
            }
            const claim = (await selectClaim(it.subject)).rows[0];
            if (claim && claim.idempotency_key !== it.idempotencyKey) {
              plan.push({ kind: 'decided', winner: winnerOf(claim) });
              continue;
            }
            claimedInBatch.set(it.subject, fresh.length);
          }
          const seq = Number((await c.query<{ seq: number }>("SELECT nextval(pg_get_serial_sequence('sync_items', 'server_seq')) AS seq")).rows[0]?.seq);
          inBatch.set(it.idempotencyKey, fresh.length);
          plan.push({ kind: 'new', index: fresh.length });
          fresh.push({ seq, item: it, receipt: req.receiptFor(it, seq) });
        }
        const sigs = await req.sign(fresh.map((f) => f.receipt.signingBytes));
        // A concurrent batch may have stored the same key meanwhile: ON CONFLICT skips the insert
        // (its seq stays unused) and the stored row decides. Likewise for the claim on a card: the
        // claim is inserted first (waiting for a concurrent claimant's commit) and, if another
        // approval holds it, this one is decided against and stores nothing.
        const won: (StoredRow | null)[] = [];
        const lostClaim: (Winner | null)[] = [];
        const feedRows: FeedInsert[] = [];
        for (const [k, f] of fresh.entries()) {
          const it = f.item;
          lostClaim.push(null);
          if (it.kind === 'approval' && it.subject) {
            const claimed = await c.query(
              `INSERT INTO approval_claims (tenant, card_id, idempotency_key, device, user_id, server_seq, received_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant, card_id) DO NOTHING`,
              [req.tenant, it.subject, it.idempotencyKey, req.device, req.user ?? '', f.seq, req.receivedAt],
            );
            if (claimed.rowCount !== 1) {
              const claim = (await selectClaim(it.subject)).rows[0];
              if (!claim) throw new Error('approval claim conflict without a stored claim');
              if (claim.idempotency_key !== it.idempotencyKey) {
                lostClaim[k] = winnerOf(claim);
                won.push(null);
                continue;
              }
            }
          }
          const ins = await c.query(
            `INSERT INTO sync_items (server_seq, tenant, device, idempotency_key, contract, kind, created_at, key_version,
               ciphertext, iv, tag, content_hash, received_at, receipt_json, receipt_sig, key_scope, subject, to_device)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             ON CONFLICT (tenant, idempotency_key) DO NOTHING`,
            [
              f.seq,
              req.tenant,
              req.device,
              it.idempotencyKey,
              it.contract,
              it.kind,
              it.createdAt,
              it.keyVersion,
              it.ciphertext,
              it.iv,
              it.tag,
              it.contentHash,
              req.receivedAt,
              f.receipt.json,
              sigs[k]!,
              it.keyScope ?? null,
              it.subject ?? null,
              it.to ?? null,
            ],
          );
          if (ins.rowCount === 1) {
            await audit(c, itemAudit(req.receivedAt, req.device, it, f.seq));
            const fr = itemFeedRow(req.device, it, f.seq);
            if (fr) feedRows.push(fr);
            won.push(null);
          } else {
            const row = (await select(it.idempotencyKey)).rows[0];
            if (!row) throw new Error('sync item conflict without a stored row');
            won.push(row);
          }
        }
        await c.query('UPDATE devices SET last_sync_at = $1, app_version = $2 WHERE id = $3', [req.receivedAt, req.appVersion, req.device]);
        if (req.registry) {
          const st = req.registry.state;
          await c.query(
            `UPDATE devices SET pending_count = COALESCE($2, pending_count), dead_letter_count = COALESCE($3, dead_letter_count),
               contract_versions = COALESCE($4::jsonb, contract_versions), version_level = $5,
               risk_level = GREATEST($6::integer, CASE WHEN blocked_at IS NOT NULL THEN 3 ELSE 0 END, CASE WHEN update_required_at IS NOT NULL THEN 2 ELSE 0 END)
             WHERE id = $1`,
            [
              req.device,
              st?.pendingCount ?? null,
              st?.deadLetterCount ?? null,
              st ? JSON.stringify(st.contractVersions) : null,
              req.registry.versionLevel,
              req.registry.baseLevel,
            ],
          );
          await c.query(UPSERT_SNAPSHOT, snapshotArgs(req.registry.snapshot));
        }
        // Last: the tenant's feed lock is held from here to commit only.
        await appendFeed(c, req.tenant, feedRows, req.receivedAt);
        fed = feedRows.length > 0;

        // What is stored under the key of fresh[index] now: our row, or the one that won the race.
        const storedFor = (index: number) => {
          const lost = won[index];
          if (lost) return { contentHash: lost.content_hash, receipt: { json: lost.receipt_json, signature: lost.receipt_sig } };
          return { contentHash: fresh[index]!.item.contentHash, receipt: { json: fresh[index]!.receipt.json, signature: sigs[index]! } };
        };
        return plan.map((p, i): IngestOutcome => {
          const hash = req.items[i]!.contentHash;
          if (p.kind === 'stored')
            return classifyExisting({ contentHash: p.row.content_hash, receipt: { json: p.row.receipt_json, signature: p.row.receipt_sig } }, hash);
          if (p.kind === 'decided') return { status: 'decided', winner: p.winner };
          const decidedAgainst = lostClaim[p.index];
          if (decidedAgainst) return { status: 'decided', winner: decidedAgainst };
          if (p.kind === 'claimedBy') {
            const f = fresh[p.index]!;
            const lost = won[p.index];
            // The earlier approval is stored under its key (ours, or the same key from a concurrent batch).
            const rec = lost ? (JSON.parse(lost.receipt_json) as { device: string; serverSeq: number; receivedAt: string }) : null;
            return {
              status: 'decided',
              winner: rec
                ? { device: rec.device, user: req.user ?? '', serverSeq: rec.serverSeq, receivedAt: rec.receivedAt }
                : { device: req.device, user: req.user ?? '', serverSeq: f.seq, receivedAt: req.receivedAt },
            };
          }
          if (p.kind === 'new' && !won[p.index]) return { status: 'accepted', receipt: storedFor(p.index).receipt };
          return classifyExisting(storedFor(p.index), hash);
        });
      });
      if (fed) feed.notify(req.tenant);
      return outcomes;
    },

    async lastServerSeq() {
      return Number((await pool.query<{ seq: number }>('SELECT COALESCE(MAX(server_seq), 0) AS seq FROM sync_items')).rows[0]?.seq ?? 0);
    },

    async listDevices(query) {
      const refresh = refreshRiskSql('postgres', query);
      await pool.query(refresh.sql, refresh.params.values);
      const { page, count } = deviceListSql('postgres', query);
      const [rows, total] = await Promise.all([pool.query<DeviceRow>(page.sql, page.params.values), pool.query<{ n: number }>(count.sql, count.params.values)]);
      return { rows: rows.rows.map(toDevice), total: Number(total.rows[0]?.n ?? 0) };
    },

    async riskSummary(query) {
      const refresh = refreshRiskSql('postgres', query);
      await pool.query(refresh.sql, refresh.params.values);
      const { sql, params } = riskSummarySql('postgres', query);
      return toSummary((await pool.query<{ kind: string; k: number; n: number }>(sql, params.values)).rows);
    },

    async deviceSnapshots(device, limit) {
      const r = await pool.query<{
        day: string;
        device: string;
        tenant: string;
        level: SnapshotInput['level'];
        pending_count: number;
        dead_letter_count: number;
        last_sync_at: string | null;
      }>(
        'SELECT day, device, tenant, level, pending_count, dead_letter_count, last_sync_at FROM device_snapshots WHERE device = $1 ORDER BY day DESC LIMIT $2',
        [device, limit],
      );
      return r.rows.map((x) => ({
        day: x.day,
        device: x.device,
        tenant: x.tenant,
        level: x.level,
        pendingCount: x.pending_count,
        deadLetterCount: x.dead_letter_count,
        lastSyncAt: x.last_sync_at,
      }));
    },

    upsertSnapshots: async (rows) => {
      if (rows.length === 0) return;
      await withTx(pool, async (c) => {
        for (const r of rows) await c.query(UPSERT_SNAPSHOT, snapshotArgs(r));
      });
    },

    controlDevice: async (id, tenant, control, reason, a, risk) => {
      const out = await withTx(pool, async (c) => {
        const dev = await getDevice(c, id, true);
        if (!dev || dev.tenant !== tenant) return null;
        if (control === 'block')
          await c.query('UPDATE devices SET blocked_at = COALESCE(blocked_at, $1), blocked_reason = $2 WHERE id = $3', [a.ts, reason, id]);
        else if (control === 'unblock') await c.query('UPDATE devices SET blocked_at = NULL, blocked_reason = NULL WHERE id = $1', [id]);
        else if (control === 'require-update')
          await c.query('UPDATE devices SET update_required_at = COALESCE(update_required_at, $1) WHERE id = $2', [a.ts, id]);
        else await c.query('UPDATE devices SET update_required_at = NULL WHERE id = $1', [id]);
        const recompute = recomputeRiskSql('postgres', { id }, risk.now, risk.policy);
        await c.query(recompute.sql, recompute.params.values);
        await audit(c, a);
        if (control === 'block' || control === 'unblock')
          await appendFeed(c, dev.tenant, [eventFeedRow(control === 'block' ? 'blocked' : 'unblocked', dev, a.ts, reason)], a.ts);
        return getDevice(c, id);
      });
      if (out && (control === 'block' || control === 'unblock')) feed.notify(out.tenant);
      return out;
    },

    async getRiskPolicy(tenant) {
      const r = await pool.query<{ policy: RiskPolicy }>('SELECT policy FROM tenant_risk_policies WHERE tenant = $1', [tenant]);
      return r.rows[0]?.policy ?? null;
    },

    putRiskPolicy: (tenant, policy, a, now) =>
      withTx(pool, async (c) => {
        const recompute = recomputeRiskSql('postgres', { tenant }, now, policy);
        await c.query(recompute.sql, recompute.params.values);
        await c.query(
          `INSERT INTO tenant_risk_policies (tenant, policy, updated_at, updated_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
          [tenant, JSON.stringify(policy), a.ts, a.actor],
        );
        await audit(c, a);
      }),

    async recomputeVersionLevels(r) {
      const limit = r.batchSize ?? VERSION_LEVEL_BATCH;
      let after = '';
      let examined = 0;
      let changed = 0;
      for (;;) {
        // One transaction per batch; FOR UPDATE holds the rows so a concurrent sync waits for us
        // (or we for it) and the level written is computed from the row as it is.
        const n = await withTx(pool, async (c) => {
          const batch = versionLevelBatchSql('postgres', r.scope, after, limit);
          const rows = (await c.query<VersionLevelRow>(batch.sql, batch.params.values)).rows;
          const tenants = [...new Set(rows.map((x) => x.tenant))];
          const stored = tenants.length
            ? (
                await c.query<{ tenant: string; policy: RiskPolicy }>('SELECT tenant, policy FROM tenant_risk_policies WHERE tenant = ANY($1::text[])', [
                  tenants,
                ])
              ).rows
            : [];
          const policies = new Map(stored.map((x) => [x.tenant, x.policy]));
          const policyOf = (tenant: string): RiskPolicy => policies.get(tenant) ?? DEFAULT_RISK_POLICY;
          for (const [tenant, list] of planVersionLevels(rows, policyOf, r.levelOf)) {
            await c.query('UPDATE devices AS d SET version_level = x.level FROM unnest($1::text[], $2::integer[]) AS x(id, level) WHERE d.id = x.id', [
              list.map((x) => x.id),
              list.map((x) => x.level),
            ]);
            const recompute = recomputeRiskSql('postgres', { tenant, ids: list.map((x) => x.id) }, r.now, policyOf(tenant));
            await c.query(recompute.sql, recompute.params.values);
            changed += list.length;
          }
          after = rows[rows.length - 1]?.id ?? after;
          return rows.length;
        });
        examined += n;
        if (n < limit) break;
      }
      return { examined, changed };
    },

    async getMeta(key) {
      return (await pool.query<{ value: string | null }>('SELECT value FROM server_meta WHERE key = $1', [key])).rows[0]?.value ?? null;
    },

    async setMeta(key, value) {
      await pool.query('INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },

    async auditHashes(device, from, to) {
      const r = await pool.query<{ seq: number; prev_hash: string; hash: string }>(
        'SELECT seq, prev_hash, hash FROM device_audit_hashes WHERE device = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq',
        [device, from, to],
      );
      return r.rows.map((x) => ({ seq: x.seq, prevHash: x.prev_hash, hash: x.hash }));
    },

    advanceAnchor: (a) =>
      withTx(pool, async (c) => {
        const moved = await c.query(
          'UPDATE devices SET last_anchor_seq = $1, last_anchor_hash = $2, anchor_frontier = $6::jsonb WHERE id = $3 AND last_anchor_seq = $4 AND last_anchor_hash = $5',
          [a.head.seq, a.head.hash, a.device, a.expected.seq, a.expected.hash, JSON.stringify(a.frontier)],
        );
        if (moved.rowCount !== 1) return false;
        if (a.entries.length > 0) {
          // One statement for the whole range: an anchor can carry up to 100k entries.
          await c.query('INSERT INTO device_audit_hashes (device, seq, prev_hash, hash) SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[])', [
            a.device,
            a.entries.map((e) => e.seq),
            a.entries.map((e) => e.prevHash),
            a.entries.map((e) => e.hash),
          ]);
        }
        await audit(c, a.audit);
        return true;
      }),

    recordEquivocation: (e) =>
      withTx(pool, async (c) => {
        await c.query('UPDATE devices SET flagged_at = COALESCE(flagged_at, $1) WHERE id = $2', [e.detectedAt, e.device]);
        await c.query('INSERT INTO equivocations (device, seq, stored_hash, claimed_hash, detected_at, evidence) VALUES ($1, $2, $3, $4, $5, $6)', [
          e.device,
          e.seq,
          e.storedHash,
          e.claimedHash,
          e.detectedAt,
          JSON.stringify(e.evidence),
        ]);
        await audit(c, e.audit);
      }),
  };
}
