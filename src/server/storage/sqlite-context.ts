// Shared state and helpers of the sqlite storage (sqlite.ts).
import Database from 'better-sqlite3';
import { toDevice, type DeviceRow } from './common';
import { certOf, FeedListeners, issueCert, toFeedItem, type FeedInsert, type FeedItemSqlRow } from './team';
import { type AuditInput, type Certify, type ContractVersionRow, type DeviceRecord, type FeedItemRow } from './types';
import type { SignedCertificate } from '../../shared/team/protocol';
import { prepareSqliteStatements } from './sqlite-statements';
import { sqliteAuditWriter } from './audit-chain-sqlite';
import { OPTIMIZE_INTERVAL_MS, OPTIMIZE } from './sqlite-helpers';
import { newInFlight } from './sqlite-inflight';

/** What the sqlite storage's methods share: the connection, its statements and the helpers that run inside a caller's transaction. */
export function createSqliteContext(db: Database.Database) {
  const q = prepareSqliteStatements(db);

  // Batches classified but not yet written (sqlite-sync.ts ingestBatch).
  const inflight = newInFlight();

  // Hash-chained rows (audit-chain.ts); rows from before the chain are sealed now, at open.
  const chain = sqliteAuditWriter(db);
  chain.sealPending(new Date().toISOString());
  const audit = (a: AuditInput): void => chain.audit(a);
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
    db,
    q,
    inflight,
    audit,
    auditMany: chain.auditMany,
    getDevice,
    feed,
    appendFeed,
    currentCert,
    newCert,
    feedItem,
    certAudit,
    run,
    keepStatistics,
    allContracts,
  };
}

export type SqliteContext = ReturnType<typeof createSqliteContext>;
