// Postgres storage, team sync: encryption keys, certificates, tenant keys, the team feed.
import { toDevice, type DeviceRow } from './common';
import { certOf, cutPage, eventFeedRow, judgeTeamKeys, keyFeedRow, toFeedItem, type FeedInsert, type FeedItemSqlRow } from './team';
import { type FeedRow, type ServerStorage } from './types';
import type { PostgresContext } from './postgres-context';
import { withTx } from './postgres-helpers';

function teamMethods1({
  pool,
  audit,
  getDevice,
  feed,
  currentCert,
  newCert,
}: PostgresContext): Pick<ServerStorage, 'registerEncryptionKey' | 'currentCertificate' | 'wrappedKeysFor'> {
  return {
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
  };
}

function teamMethods2({ pool }: PostgresContext): Pick<ServerStorage, 'teamKeys'> {
  return {
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
  };
}

function teamMethods3({ pool, audit, feed, appendFeed }: PostgresContext): Pick<ServerStorage, 'storeTeamKeys'> {
  return {
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
  };
}

function teamMethods4({ pool, feed }: PostgresContext): Pick<ServerStorage, 'pullFeed' | 'subscribeFeed'> {
  return {
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
  };
}

export function postgresTeamMethods(ctx: PostgresContext) {
  return { ...teamMethods1(ctx), ...teamMethods2(ctx), ...teamMethods3(ctx), ...teamMethods4(ctx) };
}
