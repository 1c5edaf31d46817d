// Sqlite storage, team sync: encryption keys, certificates, tenant keys, the team feed.
import { cutPage, eventFeedRow, judgeTeamKeys, keyFeedRow, type FeedInsert } from './team';
import { type DeviceRecord, type FeedRow, type ServerStorage } from './types';
import type { SqliteContext } from './sqlite-context';

function teamMethods1({
  db,
  q,
  audit,
  getDevice,
  feed,
  currentCert,
  newCert,
  certAudit,
}: SqliteContext): Pick<ServerStorage, 'registerEncryptionKey' | 'currentCertificate' | 'wrappedKeysFor' | 'teamKeys'> {
  return {
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
  };
}

function teamMethods2({
  db,
  q,
  audit,
  getDevice,
  feed,
  appendFeed,
  feedItem,
}: SqliteContext): Pick<ServerStorage, 'storeTeamKeys' | 'pullFeed' | 'subscribeFeed'> {
  return {
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
  };
}

export function sqliteTeamMethods(ctx: SqliteContext) {
  return { ...teamMethods1(ctx), ...teamMethods2(ctx) };
}
