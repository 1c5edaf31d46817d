// better-sqlite3 implementation of ServerStorage. Opening is ordered so that a file we must
// refuse (not SQLite, or written by a newer server) is never modified: only reads happen
// before the checks; WAL mode and migrations (which write) come after.
// Statements are prepared once per connection; writes that belong together share one
// transaction. better-sqlite3 is synchronous, so a transaction never interleaves with another
// request even though the interface is async.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { setImmediate as nextTurn } from 'node:timers/promises';
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
import { MigrationError } from '../../platform/migrations';
import { migrateSqlite, sqliteUserVersion } from '../../platform/sqlite-migrations';
import { MIGRATION_NOW_FUNCTION, MIGRATIONS, SCHEMA_VERSION } from './migrations';
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
import {
  StorageOpenError,
  type AuditInput,
  type Certify,
  type ContractVersionRow,
  type DeviceControl,
  type DeviceRecord,
  type FeedItemRow,
  type FeedRow,
  type IngestOutcome,
  type SnapshotInput,
  type IngestRequest,
  type IssuedReceipt,
  type NewItem,
  type ServerStorage,
  type StorageHealth,
  VERSION_LEVEL_BATCH,
} from './types';
import type { SignedCertificate } from '../../shared/team/protocol';

export interface SqliteStorageOptions {
  /** Injected for deterministic created_at in tests. */
  now?: () => Date;
  busyTimeoutMs?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * SQLite plans by table statistics only once ANALYZE has run; without them the admin list, its
 * search and the risk refresh fall back to reading a whole tenant (several times slower at 100k
 * devices). PRAGMA optimize runs a bounded ANALYZE (sampled, milliseconds) on the tables whose
 * size changed enough since their last one: at open, and before an admin read at most this often.
 */
const OPTIMIZE_INTERVAL_MS = 3_600_000;
/** 0x10000: every table, not only those this connection queried; 0x2: ANALYZE where it helps. */
const OPTIMIZE = 'optimize=0x10002';

/** receipt_sig of a row whose signature is still being computed (or was lost to a crash). */
const UNSIGNED = '';
const pendingKey = (tenant: string, key: string): string => `${tenant}\u0000${key}`;

interface StoredRow {
  server_seq: number;
  idempotency_key: string;
  content_hash: string;
  receipt_json: string;
  receipt_sig: string;
}

export function openSqliteStorage(path: string, opts: SqliteStorageOptions = {}): ServerStorage {
  assertSqliteHeader(path);
  const db = new Database(path);
  try {
    // Concurrent readers/writers wait instead of failing with SQLITE_BUSY straight away.
    db.pragma(`busy_timeout = ${safeInt(opts.busyTimeoutMs ?? 5000)}`);
    assertNotFromFuture(db, path);
    // synchronous stays FULL (the default): a signed receipt promises the item is durable.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db, opts.now ?? (() => new Date()));
    db.pragma(OPTIMIZE);
  } catch (err) {
    db.close();
    throw err;
  }
  return createSqliteRepository(db);
}

function createSqliteRepository(db: Database.Database): ServerStorage {
  const q = {
    insertAudit: db.prepare('INSERT INTO server_audit (ts, actor, action, subject, payload) VALUES (?, ?, ?, ?, ?)'),
    contracts: db.prepare('SELECT name, version, major, minor, patch, breaking, registered_at FROM contract_versions'),
    insertContract: db.prepare('INSERT INTO contract_versions (name, version, major, minor, patch, breaking, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    insertToken: db.prepare('INSERT INTO enrollment_tokens (token_hash, tenant, user_id, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
    useToken: db.prepare(
      'UPDATE enrollment_tokens SET used_at = ?, used_by = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING tenant, user_id, role',
    ),
    insertDevice: db.prepare(
      'INSERT INTO devices (id, tenant, user_id, roles, name, public_key, enrolled_at, app_version, encryption_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    device: db.prepare('SELECT * FROM devices WHERE id = ?'),
    revoke: db.prepare('UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    insertNonce: db.prepare('INSERT INTO nonces (device, nonce, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    purgeNonces: db.prepare('DELETE FROM nonces WHERE seen_at < ?'),
    existingItem: db.prepare(
      'SELECT server_seq, idempotency_key, content_hash, receipt_json, receipt_sig FROM sync_items WHERE tenant = ? AND idempotency_key = ?',
    ),
    setSig: db.prepare('UPDATE sync_items SET receipt_sig = ? WHERE server_seq = ?'),
    repairSig: db.prepare("UPDATE sync_items SET receipt_sig = ? WHERE server_seq = ? AND receipt_sig = ''"),
    nextSeq: db.prepare("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sync_items'), 0) AS seq"),
    insertItem: db.prepare(
      `INSERT INTO sync_items (server_seq, tenant, device, idempotency_key, contract, kind, created_at, key_version,
         ciphertext, iv, tag, content_hash, received_at, receipt_json, receipt_sig, key_scope, subject, to_device)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // ---- team sync
    insertCert: db.prepare('INSERT INTO device_certs (device, version, tenant, cert_json, signature, issued_at) VALUES (?, ?, ?, ?, ?, ?)'),
    setCertVersion: db.prepare('UPDATE devices SET cert_version = ? WHERE id = ?'),
    currentCert: db.prepare(
      'SELECT c.cert_json, c.signature FROM devices d JOIN device_certs c ON c.device = d.id AND c.version = d.cert_version WHERE d.id = ?',
    ),
    setRoles: db.prepare('UPDATE devices SET roles = ? WHERE id = ?'),
    setEncryptionKey: db.prepare('UPDATE devices SET encryption_key = ? WHERE id = ?'),
    insertFeed: db.prepare(
      'INSERT INTO team_feed (tenant, kind, min_role, to_device, from_device, item_seq, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    claim: db.prepare('SELECT idempotency_key, device, user_id, server_seq, received_at FROM approval_claims WHERE tenant = ? AND card_id = ?'),
    insertClaim: db.prepare(
      'INSERT INTO approval_claims (tenant, card_id, idempotency_key, device, user_id, server_seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    keyVersions: db.prepare('SELECT version, created_by, created_at FROM tenant_key_versions WHERE tenant = ? ORDER BY version'),
    latestKey: db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM tenant_key_versions WHERE tenant = ?').pluck(),
    insertKeyVersion: db.prepare('INSERT INTO tenant_key_versions (tenant, version, created_by, created_at) VALUES (?, ?, ?, ?)'),
    insertWrapped: db.prepare(
      'INSERT INTO wrapped_keys (tenant, version, recipient, body, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, version, recipient) DO NOTHING',
    ),
    mine: db.prepare('SELECT version FROM wrapped_keys WHERE tenant = ? AND recipient = ? ORDER BY version').pluck(),
    missingDevices: db
      .prepare(
        `SELECT d.id FROM devices d
       WHERE d.tenant = ? AND d.revoked_at IS NULL AND d.encryption_key IS NOT NULL
         AND EXISTS (SELECT 1 FROM tenant_key_versions v WHERE v.tenant = d.tenant
           AND NOT EXISTS (SELECT 1 FROM wrapped_keys w WHERE w.tenant = v.tenant AND w.version = v.version AND w.recipient = d.id))
       ORDER BY d.id LIMIT ?`,
      )
      .pluck(),
    missingVersions: db
      .prepare(
        `SELECT v.version FROM tenant_key_versions v WHERE v.tenant = ?
         AND NOT EXISTS (SELECT 1 FROM wrapped_keys w WHERE w.tenant = v.tenant AND w.version = v.version AND w.recipient = ?)
       ORDER BY v.version`,
      )
      .pluck(),
    feedMax: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM team_feed WHERE tenant = ?').pluck(),
    feedScan: db.prepare(
      `SELECT f.seq, f.kind, f.created_at, f.body, f.item_seq, COALESCE(length(s.ciphertext), 0) AS bytes
       FROM team_feed f LEFT JOIN sync_items s ON s.server_seq = f.item_seq
       WHERE f.tenant = @tenant AND f.seq > @since AND (f.to_device = @device OR f.min_role <= @rank)
         AND (f.from_device IS NULL OR f.from_device <> @device)
       ORDER BY f.seq LIMIT @limit`,
    ),
    feedItem: db.prepare(
      `SELECT s.device, d.user_id, s.idempotency_key, s.contract, s.kind, s.created_at, s.key_version, s.key_scope, s.subject, s.to_device,
         s.ciphertext, s.iv, s.tag, s.content_hash, s.receipt_json, s.receipt_sig
       FROM sync_items s JOIN devices d ON d.id = s.device WHERE s.server_seq = ?`,
    ),
    touchDevice: db.prepare('UPDATE devices SET last_sync_at = ?, app_version = ? WHERE id = ?'),
    registerState: db.prepare(
      `UPDATE devices SET pending_count = COALESCE(@pending, pending_count), dead_letter_count = COALESCE(@dead, dead_letter_count),
         contract_versions = COALESCE(@contracts, contract_versions), version_level = @versionLevel,
         risk_level = MAX(@baseLevel, CASE WHEN blocked_at IS NOT NULL THEN 3 ELSE 0 END, CASE WHEN update_required_at IS NOT NULL THEN 2 ELSE 0 END)
       WHERE id = @id`,
    ),
    upsertSnapshot: db.prepare(
      `INSERT INTO device_snapshots (day, device, tenant, level, pending_count, dead_letter_count, last_sync_at)
       VALUES (@day, @device, @tenant, @level, @pendingCount, @deadLetterCount, @lastSyncAt)
       ON CONFLICT (day, device) DO UPDATE SET level = excluded.level, pending_count = excluded.pending_count,
         dead_letter_count = excluded.dead_letter_count, last_sync_at = excluded.last_sync_at`,
    ),
    snapshots: db.prepare(
      'SELECT day, device, tenant, level, pending_count, dead_letter_count, last_sync_at FROM device_snapshots WHERE device = ? ORDER BY day DESC LIMIT ?',
    ),
    block: db.prepare('UPDATE devices SET blocked_at = COALESCE(blocked_at, ?), blocked_reason = ? WHERE id = ?'),
    unblock: db.prepare('UPDATE devices SET blocked_at = NULL, blocked_reason = NULL WHERE id = ?'),
    requireUpdate: db.prepare('UPDATE devices SET update_required_at = COALESCE(update_required_at, ?) WHERE id = ?'),
    clearUpdate: db.prepare('UPDATE devices SET update_required_at = NULL WHERE id = ?'),
    policy: db.prepare('SELECT policy FROM tenant_risk_policies WHERE tenant = ?'),
    putPolicy: db.prepare(
      `INSERT INTO tenant_risk_policies (tenant, policy, updated_at, updated_by) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ),
    lastSeq: db.prepare('SELECT COALESCE(MAX(server_seq), 0) AS seq FROM sync_items'),
    setVersionLevel: db.prepare('UPDATE devices SET version_level = ? WHERE id = ?'),
    getMeta: db.prepare('SELECT value FROM server_meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO server_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    hashes: db.prepare('SELECT seq, prev_hash, hash FROM device_audit_hashes WHERE device = ? AND seq BETWEEN ? AND ? ORDER BY seq'),
    casAnchor: db.prepare(
      'UPDATE devices SET last_anchor_seq = ?, last_anchor_hash = ?, anchor_frontier = ? WHERE id = ? AND last_anchor_seq = ? AND last_anchor_hash = ?',
    ),
    insertHash: db.prepare('INSERT INTO device_audit_hashes (device, seq, prev_hash, hash) VALUES (?, ?, ?, ?)'),
    flag: db.prepare('UPDATE devices SET flagged_at = COALESCE(flagged_at, ?) WHERE id = ?'),
    insertEquivocation: db.prepare('INSERT INTO equivocations (device, seq, stored_hash, claimed_hash, detected_at, evidence) VALUES (?, ?, ?, ?, ?, ?)'),
    stats: db.prepare(`SELECT
        (SELECT COUNT(*) FROM sync_items) AS items,
        (SELECT COALESCE(MAX(server_seq), 0) FROM sync_items) AS last_seq,
        (SELECT COUNT(*) FROM devices) AS devices,
        (SELECT COUNT(*) FROM devices WHERE flagged_at IS NOT NULL) AS flagged,
        (SELECT COUNT(*) FROM devices WHERE revoked_at IS NOT NULL) AS revoked`),
  };

  // Signatures being computed for rows already written (see ingestBatch), by tenant + key.
  const pendingSigs = new Map<string, Promise<string>>();
  const fromStored = async (req: IngestRequest, row: StoredRow, contentHash: string): Promise<IngestOutcome> => {
    if (row.content_hash !== contentHash || row.receipt_sig !== UNSIGNED) {
      return classifyExisting({ contentHash: row.content_hash, receipt: { json: row.receipt_json, signature: row.receipt_sig } }, contentHash);
    }
    const pending = pendingSigs.get(pendingKey(req.tenant, row.idempotency_key));
    const signature = pending ? await pending : (await req.sign([req.signingBytesOf(row.receipt_json)]))[0]!;
    if (!pending) q.repairSig.run(signature, row.server_seq);
    return { status: 'duplicate', receipt: { json: row.receipt_json, signature } };
  };

  const audit = (a: AuditInput): void => {
    q.insertAudit.run(a.ts, a.actor, a.action, a.subject, JSON.stringify(a.payload));
  };
  const getDevice = (id: string): DeviceRecord | null => {
    const row = q.device.get(id) as DeviceRow | undefined;
    return row ? toDevice(row) : null;
  };
  // ---- team sync helpers (inside a caller's transaction)
  const feed = new FeedListeners();
  const appendFeed = (tenant: string, rows: readonly FeedInsert[], at: string): void => {
    for (const r of rows) q.insertFeed.run(tenant, r.kind, r.minRole, r.toDevice, r.fromDevice, r.itemSeq, r.body, at);
  };
  const currentCert = (id: string): SignedCertificate | null => {
    const row = q.currentCert.get(id) as { cert_json: string; signature: string } | undefined;
    return row ? certOf(row.cert_json, row.signature) : null;
  };
  /** Issues the next certificate version of `id` as its row stands now, with its feed rows. */
  const newCert = (id: string, at: string, certify: Certify, extra: readonly FeedInsert[] = []): SignedCertificate => {
    const dev = getDevice(id);
    if (!dev) throw new Error(`device ${id} vanished`);
    const c = issueCert(dev, at, certify);
    q.insertCert.run(dev.id, c.version, dev.tenant, c.certJson, c.signed.signature, at);
    q.setCertVersion.run(c.version, dev.id);
    appendFeed(dev.tenant, [c.feed, ...extra], at);
    return c.signed;
  };
  const feedItem = (seq: number): FeedItemRow => {
    const r = q.feedItem.get(seq) as FeedItemSqlRow | undefined;
    if (!r) throw new Error(`feed row names a missing sync item ${seq}`);
    return toFeedItem(r);
  };
  const certAudit = (id: string, at: string, cert: SignedCertificate, why: string): AuditInput => ({
    ts: at,
    actor: 'server',
    action: 'device.certificate.issued',
    subject: id,
    payload: { certVersion: cert.cert.certVersion, why, roles: cert.cert.roles, status: cert.cert.status },
  });
  const run = (st: { sql: string; params: { named(): Record<string, unknown> } }): void => {
    db.prepare(st.sql).run(st.params.named());
  };
  // The first admin read after open checks too: devices may have arrived since (or been bulk loaded).
  let optimizedAt = -Infinity;
  const keepStatistics = (): void => {
    const t = performance.now();
    if (t - optimizedAt < OPTIMIZE_INTERVAL_MS) return;
    optimizedAt = t;
    db.pragma(OPTIMIZE);
  };
  const allContracts = (): ContractVersionRow[] =>
    (q.contracts.all() as Array<Record<string, unknown>>).map((r) => ({
      name: String(r.name),
      version: String(r.version),
      major: Number(r.major),
      minor: Number(r.minor),
      patch: Number(r.patch),
      breaking: r.breaking === 1,
      registeredAt: String(r.registered_at),
    }));

  return {
    backend: 'sqlite',
    health: () => Promise.resolve(health(db)),
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
    close: () => {
      if (db.open) db.close();
      return Promise.resolve();
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

    registerEncryptionKey: (r) => {
      let notify: string | null = null;
      const out = db
        .transaction(() => {
          const dev = getDevice(r.id);
          if (!dev) return { ok: false as const, reason: 'not_found' as const };
          if (dev.encryptionKey !== null && dev.encryptionKey !== r.key) return { ok: false as const, reason: 'key_set' as const };
          if (dev.encryptionKey === r.key && dev.certVersion > 0) return { ok: true as const, certificate: currentCert(dev.id)!, changed: false };
          q.setEncryptionKey.run(r.key, dev.id);
          audit(r.audit);
          const certificate = newCert(dev.id, r.audit.ts, r.certify, [eventFeedRow('encryption-key', dev, r.audit.ts, null)]);
          notify = dev.tenant;
          return { ok: true as const, certificate, changed: true };
        })
        .immediate();
      if (notify !== null) feed.notify(notify);
      return Promise.resolve(out);
    },

    currentCertificate: (r) => {
      const current = currentCert(r.id);
      if (current && !r.needsRenewal(current)) return Promise.resolve(current);
      let notify: string | null = null;
      const out = db
        .transaction(() => {
          const dev = getDevice(r.id);
          if (!dev) return null;
          // Re-read under the write lock: a concurrent request may have issued it already.
          const now = currentCert(r.id);
          if (now && !r.needsRenewal(now)) return now;
          const certificate = newCert(dev.id, r.at, r.certify);
          audit(certAudit(dev.id, r.at, certificate, now ? 'renewal' : 'first'));
          notify = dev.tenant;
          return certificate;
        })
        .immediate();
      if (notify !== null) feed.notify(notify);
      return Promise.resolve(out);
    },

    wrappedKeysFor: (tenant, device) =>
      Promise.resolve(db.prepare('SELECT body FROM wrapped_keys WHERE tenant = ? AND recipient = ? ORDER BY version').pluck().all(tenant, device) as string[]),

    teamKeys: (k) => {
      const read = db.transaction(() => {
        const versions = (q.keyVersions.all(k.tenant) as { version: number; created_by: string; created_at: string }[]).map((v) => ({
          version: v.version,
          createdBy: v.created_by,
          createdAt: v.created_at,
        }));
        const mine = q.mine.all(k.tenant, k.device) as number[];
        const missing = k.withMissing
          ? (q.missingDevices.all(k.tenant, k.cap) as string[]).flatMap((id) => {
              const certificate = currentCert(id);
              return certificate ? [{ device: id, versions: q.missingVersions.all(k.tenant, id) as number[], certificate }] : [];
            })
          : [];
        return { versions, mine, missing };
      });
      return Promise.resolve(read());
    },

    storeTeamKeys: (w) => {
      const out = db
        .transaction(() => {
          const caller = getDevice(w.by);
          const cc = q.currentCert.get(w.by) as { cert_json: string; signature: string } | undefined;
          const recipients = new Map<string, DeviceRecord>();
          for (const k of w.wrapped) {
            if (recipients.has(k.recipient)) continue;
            const r = getDevice(k.recipient);
            if (r) recipients.set(k.recipient, r);
          }
          const refusal = judgeTeamKeys(w, {
            caller,
            callerCert: cc ? { json: cc.cert_json, signature: cc.signature } : null,
            latest: q.latestKey.get(w.tenant) as number,
            recipients,
          });
          if (refusal) return refusal;
          if (w.create !== null) q.insertKeyVersion.run(w.tenant, w.create, w.by, w.at);
          const rows: FeedInsert[] = [];
          for (const k of w.wrapped) {
            if (q.insertWrapped.run(w.tenant, k.version, k.recipient, k.json, w.at).changes === 1) rows.push(keyFeedRow(k.recipient, k.json));
          }
          appendFeed(w.tenant, rows, w.at);
          if (w.create !== null || rows.length > 0) audit({ ...w.audit, payload: { ...w.audit.payload, created: w.create, stored: rows.length } });
          return { ok: true as const, created: w.create !== null, stored: rows.length };
        })
        .immediate();
      if (out.ok && out.stored > 0) feed.notify(w.tenant);
      return Promise.resolve(out);
    },

    pullFeed: (f) => {
      const read = db.transaction(() => {
        // The tenant's highest seq first: every row up to it is committed (SQLite writes one at a time).
        const max = q.feedMax.get(f.tenant) as number;
        const scanned = q.feedScan.all({ tenant: f.tenant, since: f.since, device: f.device, rank: f.rank, limit: f.limit + 1 }) as {
          seq: number;
          kind: FeedRow['kind'];
          created_at: string;
          body: string | null;
          item_seq: number | null;
          bytes: number;
        }[];
        const { rows, hasMore } = cutPage(scanned, f.limit, f.maxBytes);
        const out: FeedRow[] = rows.map((r) => ({
          seq: r.seq,
          kind: r.kind,
          at: r.created_at,
          body: r.body,
          item: r.item_seq === null ? null : feedItem(r.item_seq),
        }));
        const last = rows[rows.length - 1]?.seq ?? f.since;
        return { rows: out, hasMore, until: hasMore ? last : Math.max(f.since, max, last) };
      });
      return Promise.resolve(read());
    },

    subscribeFeed: (tenant, listener) => feed.subscribe(tenant, listener),

    rememberNonce: (device, nonce, seenAt) => Promise.resolve(q.insertNonce.run(device, nonce, seenAt).changes === 1),
    purgeNonces: (before) => Promise.resolve(q.purgeNonces.run(before).changes),

    ingestBatch: async (req) => {
      // Phase 1, one synchronous IMMEDIATE transaction: classify every item, give new ones their
      // server_seq and receipt, start signing (worker threads), and write the rows while the
      // signatures are computed. Phase 2 stores the signatures. Until then a row's receipt_sig is
      // '' and never leaves the server: a concurrent duplicate waits for the pending signature, and
      // a row a crash left unsigned is re-signed on its next duplicate (Ed25519 is deterministic,
      // so the signature is the one phase 2 would have stored).
      const fresh: { seq: number; key: string; item: NewItem; receipt: IssuedReceipt }[] = [];
      const slots: ((sigs: readonly string[]) => Promise<IngestOutcome>)[] = [];
      let signing: Promise<string[]> = Promise.resolve([]);
      let fed = false;
      db.transaction(() => {
        // The write lock is held, so the next AUTOINCREMENT value is ours to use.
        let seq = (q.nextSeq.get() as { seq: number }).seq;
        const inBatch = new Map<string, { contentHash: string; index: number }>();
        // Cards decided in this batch (card id → the winner), on top of approval_claims.
        const claimed = new Map<string, Extract<IngestOutcome, { status: 'decided' }>['winner'] & { key: string }>();
        for (const it of req.items) {
          const earlier = inBatch.get(it.idempotencyKey);
          if (earlier) {
            slots.push((sigs) =>
              Promise.resolve(
                classifyExisting(
                  { contentHash: earlier.contentHash, receipt: { json: fresh[earlier.index]!.receipt.json, signature: sigs[earlier.index]! } },
                  it.contentHash,
                ),
              ),
            );
            continue;
          }
          const row = q.existingItem.get(req.tenant, it.idempotencyKey) as StoredRow | undefined;
          if (row) {
            slots.push(() => fromStored(req, row, it.contentHash));
            continue;
          }
          if (it.kind === 'approval' && it.subject) {
            // The first decision per card wins; a later one (another key) stores nothing.
            const stored = q.claim.get(req.tenant, it.subject) as
              { idempotency_key: string; device: string; user_id: string; server_seq: number; received_at: string } | undefined;
            const winner =
              claimed.get(it.subject) ??
              (stored
                ? { key: stored.idempotency_key, device: stored.device, user: stored.user_id, serverSeq: stored.server_seq, receivedAt: stored.received_at }
                : undefined);
            if (winner && winner.key !== it.idempotencyKey) {
              const { key: _key, ...w } = winner;
              slots.push(() => Promise.resolve({ status: 'decided', winner: w }));
              continue;
            }
            claimed.set(it.subject, { key: it.idempotencyKey, device: req.device, user: req.user ?? '', serverSeq: seq + 1, receivedAt: req.receivedAt });
          }
          seq += 1;
          const index = fresh.length;
          inBatch.set(it.idempotencyKey, { contentHash: it.contentHash, index });
          fresh.push({ seq, key: pendingKey(req.tenant, it.idempotencyKey), item: it, receipt: req.receiptFor(it, seq) });
          slots.push((sigs) => Promise.resolve({ status: 'accepted', receipt: { json: fresh[index]!.receipt.json, signature: sigs[index]! } }));
        }
        signing = req.sign(fresh.map((f) => f.receipt.signingBytes));
        signing.catch(() => {}); // observed below; this only keeps a rollback from leaving it unhandled
        const feedRows: FeedInsert[] = [];
        for (const f of fresh) {
          const it = f.item;
          q.insertItem.run(
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
            UNSIGNED,
            it.keyScope ?? null,
            it.subject ?? null,
            it.to ?? null,
          );
          audit(itemAudit(req.receivedAt, req.device, it, f.seq));
          if (it.kind === 'approval' && it.subject) {
            q.insertClaim.run(req.tenant, it.subject, it.idempotencyKey, req.device, req.user ?? '', f.seq, req.receivedAt);
          }
          const fr = itemFeedRow(req.device, it, f.seq);
          if (fr) feedRows.push(fr);
        }
        // Feed rows may name an item whose receipt is still being signed: pulls sign it themselves
        // (Ed25519 is deterministic: the same signature phase 2 stores).
        appendFeed(req.tenant, feedRows, req.receivedAt);
        fed = feedRows.length > 0;
        q.touchDevice.run(req.receivedAt, req.appVersion, req.device);
        if (req.registry) {
          const st = req.registry.state;
          q.registerState.run({
            id: req.device,
            pending: st?.pendingCount ?? null,
            dead: st?.deadLetterCount ?? null,
            contracts: st ? JSON.stringify(st.contractVersions) : null,
            versionLevel: req.registry.versionLevel,
            baseLevel: req.registry.baseLevel,
          });
          q.upsertSnapshot.run(req.registry.snapshot);
        }
        fresh.forEach((f, k) => {
          const sig = signing.then((s) => s[k]!);
          sig.catch(() => {}); // a waiting duplicate sees the rejection; nobody waiting is fine too
          pendingSigs.set(f.key, sig);
        });
      }).immediate();
      if (fed) feed.notify(req.tenant);

      try {
        const sigs = await signing;
        if (fresh.length > 0) {
          db.transaction(() => {
            fresh.forEach((f, k) => q.setSig.run(sigs[k]!, f.seq));
          }).immediate();
        }
        return await Promise.all(slots.map((slot) => slot(sigs)));
      } finally {
        for (const f of fresh) pendingSigs.delete(f.key);
      }
    },

    lastServerSeq: () => Promise.resolve((q.lastSeq.get() as { seq: number }).seq),

    listDevices: (query) => {
      // Prepared per call: the statement's shape depends on the filters (better-sqlite3 caches little,
      // but preparing costs microseconds next to the query).
      keepStatistics();
      run(refreshRiskSql('sqlite', query));
      const { page, count } = deviceListSql('sqlite', query);
      const rows = db.prepare(page.sql).all(page.params.named()) as DeviceRow[];
      const total = (db.prepare(count.sql).get(count.params.named()) as { n: number }).n;
      return Promise.resolve({ rows: rows.map(toDevice), total });
    },

    riskSummary: (query) => {
      keepStatistics();
      run(refreshRiskSql('sqlite', query));
      const { sql, params } = riskSummarySql('sqlite', query);
      return Promise.resolve(toSummary(db.prepare(sql).all(params.named()) as Array<{ kind: string; k: number; n: number }>));
    },

    deviceSnapshots: (device, limit) =>
      Promise.resolve(
        (q.snapshots.all(device, limit) as Array<Record<string, unknown>>).map((r): SnapshotInput => ({
          day: String(r.day),
          device: String(r.device),
          tenant: String(r.tenant),
          level: r.level as SnapshotInput['level'],
          pendingCount: Number(r.pending_count),
          deadLetterCount: Number(r.dead_letter_count),
          lastSyncAt: (r.last_sync_at as string | null) ?? null,
        })),
      ),

    upsertSnapshots: (rows) => {
      if (rows.length > 0) db.transaction(() => rows.forEach((r) => q.upsertSnapshot.run(r))).immediate();
      return Promise.resolve();
    },

    controlDevice: (id, tenant, control: DeviceControl, reason, a, risk) =>
      Promise.resolve(
        db
          .transaction(() => {
            const dev = getDevice(id);
            if (!dev || dev.tenant !== tenant) return null;
            if (control === 'block') q.block.run(a.ts, reason, id);
            else if (control === 'unblock') q.unblock.run(id);
            else if (control === 'require-update') q.requireUpdate.run(a.ts, id);
            else q.clearUpdate.run(id);
            run(recomputeRiskSql('sqlite', { id }, risk.now, risk.policy));
            audit(a);
            if (control === 'block' || control === 'unblock')
              appendFeed(dev.tenant, [eventFeedRow(control === 'block' ? 'blocked' : 'unblocked', dev, a.ts, reason)], a.ts);
            return getDevice(id);
          })
          .immediate(),
      ).then((dev) => {
        if (dev && (control === 'block' || control === 'unblock')) feed.notify(dev.tenant);
        return dev;
      }),

    getRiskPolicy: (tenant) => {
      const row = q.policy.get(tenant) as { policy: string } | undefined;
      return Promise.resolve(row ? (JSON.parse(row.policy) as RiskPolicy) : null);
    },

    putRiskPolicy: (tenant, policy, a, now) => {
      db.transaction(() => {
        q.putPolicy.run(tenant, JSON.stringify(policy), a.ts, a.actor);
        run(recomputeRiskSql('sqlite', { tenant }, now, policy));
        audit(a);
      }).immediate();
      return Promise.resolve();
    },

    recomputeVersionLevels: async (r) => {
      const limit = r.batchSize ?? VERSION_LEVEL_BATCH;
      let after = '';
      let examined = 0;
      let changed = 0;
      for (;;) {
        // Each batch is one IMMEDIATE transaction (read, compute, write: no sync in between); other
        // requests get the database between batches.
        const n = db
          .transaction(() => {
            const batch = versionLevelBatchSql('sqlite', r.scope, after, limit);
            const rows = db.prepare(batch.sql).all(batch.params.named()) as VersionLevelRow[];
            const policies = new Map<string, RiskPolicy>();
            const policyOf = (tenant: string): RiskPolicy => {
              let p = policies.get(tenant);
              if (!p) {
                const row = q.policy.get(tenant) as { policy: string } | undefined;
                p = row ? (JSON.parse(row.policy) as RiskPolicy) : DEFAULT_RISK_POLICY;
                policies.set(tenant, p);
              }
              return p;
            };
            for (const [tenant, list] of planVersionLevels(rows, policyOf, r.levelOf)) {
              for (const x of list) q.setVersionLevel.run(x.level, x.id);
              run(recomputeRiskSql('sqlite', { tenant, ids: list.map((x) => x.id) }, r.now, policyOf(tenant)));
              changed += list.length;
            }
            after = rows[rows.length - 1]?.id ?? after;
            return rows.length;
          })
          .immediate();
        examined += n;
        if (n < limit) break;
        await nextTurn();
      }
      return { examined, changed };
    },

    getMeta: (key) => Promise.resolve((q.getMeta.get(key) as string | undefined) ?? null),
    setMeta: (key, value) => {
      q.setMeta.run(key, value);
      return Promise.resolve();
    },

    auditHashes: (device, from, to) =>
      Promise.resolve(
        (q.hashes.all(device, from, to) as Array<{ seq: number; prev_hash: string; hash: string }>).map((r) => ({
          seq: r.seq,
          prevHash: r.prev_hash,
          hash: r.hash,
        })),
      ),

    advanceAnchor: (a) =>
      Promise.resolve(
        db
          .transaction(() => {
            const moved = q.casAnchor.run(a.head.seq, a.head.hash, JSON.stringify(a.frontier), a.device, a.expected.seq, a.expected.hash).changes;
            if (moved !== 1) return false;
            for (const e of a.entries) q.insertHash.run(a.device, e.seq, e.prevHash, e.hash);
            audit(a.audit);
            return true;
          })
          .immediate(),
      ),

    recordEquivocation: (e) => {
      db.transaction(() => {
        q.flag.run(e.detectedAt, e.device);
        q.insertEquivocation.run(e.device, e.seq, e.storedHash, e.claimedHash, e.detectedAt, JSON.stringify(e.evidence));
        audit(e.audit);
      }).immediate();
      return Promise.resolve();
    },
  };
}

// SQLite treats an empty file as a new database, so only non-empty files need the magic header.
function assertSqliteHeader(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return; // does not exist yet: SQLite will create it
  }
  if (size === 0) return;
  const buf = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  if (buf.toString('latin1') !== SQLITE_MAGIC) {
    throw new StorageOpenError('DB_NOT_SQLITE', `Refusing to open ${path}: not an SQLite database`);
  }
}

function assertNotFromFuture(db: Database.Database, path: string): void {
  const found = sqliteUserVersion(db);
  if (found > SCHEMA_VERSION) {
    throw new StorageOpenError(
      'DB_FROM_FUTURE',
      `Refusing to open ${path}: schema version ${found} is newer than this server supports (${SCHEMA_VERSION}). Upgrade the server.`,
    );
  }
}

function migrate(db: Database.Database, now: () => Date): void {
  // IMMEDIATE takes the write lock up front so two servers starting at once cannot both migrate;
  // the plan is re-made inside the lock. All pending steps commit (or roll back) together.
  db.function(MIGRATION_NOW_FUNCTION, () => now().toISOString());
  try {
    migrateSqlite(db, MIGRATIONS, { lock: 'immediate', now });
  } catch (err) {
    if (err instanceof MigrationError && err.code === 'FROM_FUTURE')
      throw new StorageOpenError('DB_FROM_FUTURE', `Refusing to open ${db.name}: ${err.message}`);
    if (err instanceof MigrationError) throw new StorageOpenError('DB_MIGRATION_CHANGED', `Refusing to open ${db.name}: ${err.message}`);
    throw err;
  }
}

function health(db: Database.Database): StorageHealth {
  try {
    // quick_check returns one row "ok", or one row per problem found.
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    const detail = rows.map((r) => r.quick_check).join('; ') || 'no result';
    // Logical size (pages in use); excludes the WAL, which checkpoints fold back in.
    const pageCount = db.pragma('page_count', { simple: true });
    const pageSize = db.pragma('page_size', { simple: true });
    const sizeBytes = typeof pageCount === 'number' && typeof pageSize === 'number' ? pageCount * pageSize : 0;
    return { ok: detail === 'ok', detail, sizeBytes };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err), sizeBytes: 0 };
  }
}

function safeInt(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Expected a non-negative integer, got ${n}`);
  return n;
}
