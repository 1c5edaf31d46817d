// The backup and restore runbook (docs/operations.md), run for real: a sync-server process on a fresh
// PostgreSQL database, real devices (admin, field, reviewer: full service graphs) and lightweight
// simulated ones; `pg_dump -Fc` of the LIVE database while a device is sending; more traffic after
// the dump (the loss window); the dump restored into a second fresh database, `after-restore`, the
// server started on it with the same key file. Devices continue: resent items come back `duplicate`
// with the receipts they had, new items are accepted, pulls resume (cursors ahead of the restored
// feed included), every old receipt verifies on the device and in an exported disclosure pack, and
// verify-audit passes. The SQLite counterpart (a file copy through SQLite's online backup) is below.
// Skipped, with the reason, without PostgreSQL or pg_dump/pg_restore.
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Services } from '../../src/main/app/services';
import { tempDir } from '../../src/main/platform/test-utils';
import { report, REPORT_WF } from '../../src/main/features/runs/test-helpers';
import { exportPack } from '../../src/main/features/evidence/pack/export';
import { verifyPack } from '../../src/main/features/evidence/pack/verify';
import { PG_URL_ENV, PG_SKIP_REASON } from '../../src/server/testing/backends';
import { makeItem } from '../../src/server/testing/device-client';
import type { SignedReceipt } from '../../src/shared/sync/protocol';
import { TEAM_CONTRACTS } from '../../src/shared/team/protocol';
import { enrollDevice, newTraffic, publicKeyOf, pull, receiptVerifies, syncBatch, writeServerKey, type SimDevice } from './cluster';
import { enrollToken, freePort, serverEnv, startServer, type ServerProc } from './server-process';
import { enrolled, handOutKeys, type TeamServer } from './team-helpers';

const PG_URL = process.env[PG_URL_ENV];
const SITE = 'field.inspect.site@1.2.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });
const GAP = 1_000_000_000;
const FAST = { MAESTRO_SERVER_RATE_PER_SEC: '10000', MAESTRO_SERVER_RATE_BURST: '10000' };

const servers: ServerProc[] = [];
const devices: Services[] = [];
const databases: string[] = [];
afterAll(async () => {
  devices.forEach((d) => d.close());
  await Promise.all(servers.map((s) => s.stop()));
  if (PG_URL && databases.length > 0) {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    for (const name of databases) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
}, 60_000);

/** A PostgreSQL client tool on PATH or in the Debian layout (/usr/lib/postgresql/N/bin), or null. */
function pgTool(name: 'pg_dump' | 'pg_restore'): string | null {
  const lib = '/usr/lib/postgresql';
  const versions = existsSync(lib) ? readdirSync(lib).sort((a, b) => Number(b) - Number(a)) : [];
  const dirs = [...(process.env.PATH ?? '').split(':'), ...versions.map((v) => join(lib, v, 'bin'))];
  for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}
const PG_DUMP = pgTool('pg_dump');
const PG_RESTORE = pgTool('pg_restore');

function toolsMissing(): string | null {
  if (!PG_URL) return PG_SKIP_REASON;
  if (!PG_DUMP || !PG_RESTORE) return 'pg_dump/pg_restore not installed (Debian package postgresql-client)';
  return null;
}

/** A fresh database on the test cluster (names are generated here: hex only); its URL. */
async function createDatabase(tag: string): Promise<string> {
  const name = `maestro_bk_${randomBytes(6).toString('hex')}_${tag}`;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  databases.push(name);
  const u = new URL(PG_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** `npm run server -- <args>` against the configured database: stdout, stderr and the exit code. */
function cli(dir: string, env: NodeJS.ProcessEnv, ...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', ...args], { env: { ...serverEnv(dir, 0), ...env }, encoding: 'utf8' });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

const outboxReceipts = (s: Services): Map<string, string> =>
  new Map(
    (s.db.prepare("SELECT idempotency_key AS k, receipt FROM outbox WHERE state = 'acked'").all() as { k: string; receipt: string }[]).map((r) => [
      r.k,
      r.receipt,
    ]),
  );

const teamRecordSeqs = (s: Services): number[] => s.db.prepare('SELECT seq FROM team_records ORDER BY seq').pluck().all() as number[];

/** Every item a lightweight device has pulled: idempotency key -> the feed seqs it came with. */
function collector() {
  const seen = new Map<string, number[]>();
  return {
    seen,
    /** Keys that came more than once (a loss-window item sent again after the restore is a new feed row). */
    twice: (): string[] => [...seen].filter(([, seqs]) => seqs.length > 1).map(([k]) => k),
    async pullAll(base: string, dev: SimDevice): Promise<void> {
      for (;;) {
        const page = await pull(base, dev, newTraffic());
        for (const it of page.items) if (it.item) seen.set(it.item.wire.idempotencyKey, [...(seen.get(it.item.wire.idempotencyKey) ?? []), it.seq]);
        if (!page.hasMore) return;
      }
    },
  };
}

describe('backup and restore (PostgreSQL): pg_dump of a live server, restore, after-restore, devices continue', () => {
  it('restores into a fresh database; devices resend, sync, pull and verify as before', async (ctx: TestContext) => {
    const reason = toolsMissing();
    if (reason) {
      ctx.task.meta.skipReason = reason;
      return ctx.skip(reason);
    }
    const dir = tempDir('maestro-bk-srv-');
    const keyFile = writeServerKey(dir);
    const port = await freePort();
    const urlA = await createDatabase('a');
    const envA = { DATABASE_URL: urlA, MAESTRO_SERVER_KEY_FILE: keyFile, ...FAST };
    const srvA = await startServer(dir, port, envA);
    servers.push(srvA);
    const t: TeamServer = { srv: srvA, dir, port, token: (user, role = 'field', tenant = 'acme') => enrollToken(dir, port, tenant, user, role, envA) };

    // Before the dump: a team (admin hands out the tenant key), a field device with records and a
    // finished run, a reviewer that pulled them; two lightweight devices (a sender, a puller).
    const admin = await enrolled(t, 'Dana Admin', 'dana@acme', 'admin');
    const field = await enrolled(t, 'Ada Field', 'ada@acme', 'field');
    const reviewer = await enrolled(t, 'Rita Reviewer', 'rita@acme', 'reviewer');
    devices.push(admin, field, reviewer);
    await handOutKeys(admin);
    await field.team.pull();
    await reviewer.team.pull();
    for (let i = 0; i < 3; i++) field.capture.submit({ contract: SITE, data: site(i) });
    const run = await field.runs.start({ workflow: REPORT_WF, input: report() });
    expect(run.status).toBe('succeeded');
    expect((await field.sync.syncNow()).failed).toBe(0);
    const anchorAtDump = (await field.sync.status()).anchor!;
    expect(anchorAtDump.seq).toBeGreaterThan(0);
    const sender = await enrollDevice(srvA.url, enrollToken(dir, port, 'acme', 'sim-sender@acme', 'field', envA), 'acme');
    const puller = await enrollDevice(srvA.url, enrollToken(dir, port, 'acme', 'sim-puller@acme', 'reviewer', envA), 'acme');
    const pulled = collector();
    await syncBatch(
      srvA.url,
      sender,
      Array.from({ length: 5 }, () => makeItem()),
      newTraffic(),
    );
    await reviewer.team.pull();
    await pulled.pullAll(srvA.url, puller);
    const beforeDump = outboxReceipts(field);
    expect(beforeDump.size).toBeGreaterThan(3);
    expect(teamRecordSeqs(reviewer).length).toBeGreaterThanOrEqual(3);

    // pg_dump of the live database while the sender keeps sending (an MVCC snapshot: each batch is
    // in the dump whole or not at all).
    const dump = join(tempDir('maestro-bk-dump-'), 'maestro.dump');
    let [sending, batchesDuringDump] = [true, 0];
    const load = (async () => {
      while (sending) {
        await syncBatch(
          srvA.url,
          sender,
          Array.from({ length: 3 }, () => makeItem()),
          newTraffic(),
        );
        batchesDuringDump++;
      }
    })();
    await promisify(execFile)(PG_DUMP!, ['-Fc', '-f', dump, '-d', urlA]);
    sending = false;
    await load;
    expect(batchesDuringDump).toBeGreaterThan(0);

    // The loss window: acknowledged, pulled and anchored after the dump.
    field.capture.submit({ contract: SITE, data: site(100) });
    field.capture.submit({ contract: SITE, data: site(101) });
    expect((await field.sync.syncNow()).acked).toBe(2);
    const anchorAfterDump = (await field.sync.status()).anchor!;
    expect(anchorAfterDump.seq).toBeGreaterThan(anchorAtDump.seq);
    const lost = [...outboxReceipts(field).keys()].filter((k) => !beforeDump.has(k));
    expect(lost).toHaveLength(2);
    await reviewer.team.pull();
    await pulled.pullAll(srvA.url, puller);
    const reviewerCursor = reviewer.db.prepare('SELECT cursor FROM team_state').pluck().get() as number;
    await srvA.stop();

    // Restore into a fresh database; the restored feed ends below the cursors devices hold.
    const urlB = await createDatabase('b');
    execFileSync(PG_RESTORE!, ['--no-owner', '--exit-on-error', '-d', urlB, dump]);
    const [restoredMax] = await query<{ feed: string; items: string }>(
      urlB,
      'SELECT (SELECT MAX(seq) FROM team_feed) AS feed, (SELECT MAX(server_seq) FROM sync_items) AS items',
    );
    expect(Number(restoredMax!.feed)).toBeLessThan(reviewerCursor);
    expect(Number(restoredMax!.feed)).toBeLessThan(puller.cursor);
    const restoredKeys = new Set((await query<{ k: string }>(urlB, 'SELECT idempotency_key AS k FROM sync_items')).map((r) => r.k));
    for (const k of beforeDump.keys()) expect(restoredKeys.has(k)).toBe(true);
    for (const k of lost) expect(restoredKeys.has(k)).toBe(false);

    const envB = { ...envA, DATABASE_URL: urlB };
    const first = cli(dir, envB, 'after-restore');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/restored database prepared \(postgres, gap 1000000000\); audit: server\.restored/);
    expect(first.out).toContain(`team_feed.seq: max ${restoredMax!.feed}`);
    const again = cli(dir, envB, 'after-restore');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^already done/);
    const [seqs] = await query<{ feed: string; items: string; restored: string }>(
      urlB,
      `SELECT pg_sequence_last_value(pg_get_serial_sequence('team_feed', 'seq')) AS feed,
              pg_sequence_last_value(pg_get_serial_sequence('sync_items', 'server_seq')) AS items,
              (SELECT count(*) FROM server_audit WHERE action = 'server.restored') AS restored`,
    );
    // From the higher of MAX(column) and the restored sequence (which may be ahead: a batch in flight
    // during the dump had taken seqs it had not committed).
    expect(Number(seqs!.feed)).toBeGreaterThanOrEqual(Number(restoredMax!.feed) + GAP);
    expect(Number(seqs!.items)).toBeGreaterThanOrEqual(Number(restoredMax!.items) + GAP);
    expect(first.out).toContain(`-> ${seqs!.items} (next`);
    expect(Number(seqs!.restored)).toBe(1);

    const srvB = await startServer(dir, port, envB);
    servers.push(srvB);
    const serverKey = publicKeyOf(keyFile);

    // The sender resends everything it ever sent: what the dump holds comes back `duplicate` with the
    // very receipt it had; what was acknowledged after the dump is stored again (a new receipt).
    const original = new Map(sender.receipts);
    const resent = await syncBatch(srvB.url, sender, [...sender.made], newTraffic());
    for (const r of resent) {
      const had = original.get(r.idempotencyKey)!;
      if (restoredKeys.has(r.idempotencyKey)) {
        expect(r.status).toBe('duplicate');
        expect(JSON.stringify(r.receipt)).toBe(JSON.stringify(had));
      } else {
        expect(r.status).toBe('accepted');
        expect(r.receipt!.receipt.serverSeq).toBeGreaterThan(Number(restoredMax!.items) + GAP);
      }
      expect(receiptVerifies(serverKey, r.receipt as SignedReceipt)).toBe(true);
    }
    const rows = await query<{ n: string; keys: string }>(urlB, 'SELECT count(*) AS n, count(DISTINCT (tenant, idempotency_key)) AS keys FROM sync_items');
    expect(rows[0]!.n).toBe(rows[0]!.keys);

    // The field device resends what it had acknowledged before the dump (as after a lost reply):
    // duplicates, and the receipts it stores are byte for byte the ones it had.
    const ids = field.db.prepare("SELECT id FROM outbox WHERE state = 'acked' AND idempotency_key IN (SELECT value FROM json_each(?))").pluck();
    const requeue = ids.all(JSON.stringify([...beforeDump.keys()])) as string[];
    field.db.prepare(`UPDATE outbox SET state = 'queued' WHERE id IN (SELECT value FROM json_each(?))`).run(JSON.stringify(requeue));
    const resync = await field.sync.syncNow({ force: true });
    expect(resync).toMatchObject({ acked: beforeDump.size, failed: 0 });
    const afterResend = outboxReceipts(field);
    for (const [k, receipt] of beforeDump) expect(afterResend.get(k)).toBe(receipt);

    // New items are accepted past the gap; the reviewer, whose cursor is ahead of the restored feed, gets them.
    field.capture.submit({ contract: SITE, data: site(200) });
    field.capture.submit({ contract: SITE, data: site(201) });
    const fresh = await field.sync.syncNow();
    expect(fresh).toMatchObject({ acked: 2, failed: 0 });
    const before = teamRecordSeqs(reviewer);
    await reviewer.team.pull();
    const got = teamRecordSeqs(reviewer).filter((s) => !before.includes(s));
    expect(got).toHaveLength(2);
    expect(got.every((s) => s > Number(restoredMax!.feed) + GAP)).toBe(true);
    await pulled.pullAll(srvB.url, puller);
    const newKeys = [...outboxReceipts(field).keys()].filter((k) => !beforeDump.has(k) && !lost.includes(k));
    expect(newKeys).toHaveLength(2);
    for (const k of newKeys) expect(pulled.seen.has(k)).toBe(true);
    // No item missed: every record the field device ever had acknowledged (the lost ones were pulled
    // before the restore); none twice.
    const records = field.outbox.list({ limit: 100 }).filter((i) => i.kind === 'record');
    expect(records.length).toBeGreaterThanOrEqual(7);
    for (const r of records) expect(pulled.seen.has(r.idempotencyKey), r.idempotencyKey).toBe(true);
    expect(pulled.twice()).toEqual([]);

    // Every receipt the field device holds (the lost ones too) verifies with the server key, as the
    // device checked it; the disclosure pack of the run exported now verifies.
    const all = field.db.prepare("SELECT receipt, receipt_verified AS v FROM outbox WHERE state = 'acked'").all() as { receipt: string; v: number }[];
    expect(all.length).toBe(beforeDump.size + lost.length + 2);
    for (const r of all) {
      expect(r.v).toBe(1);
      expect(receiptVerifies(serverKey, JSON.parse(r.receipt) as SignedReceipt)).toBe(true);
    }
    const pack = join(tempDir('maestro-bk-pack-'), 'run.tgz');
    await exportPack(field, run.id, { out: pack });
    const verified = await verifyPack(pack);
    expect(verified.failures).toEqual([]);
    expect(verified.receipts).toBeGreaterThan(0);

    // The audit anchor (docs/operations.md, "Device audit anchors"): the field device anchored seqs
    // after the dump that the restored server no longer holds. The server answered its first anchor
    // with `starts_at` (it expects the entries from its own head); the device sent its entries again
    // from there, the server checked they link to its head, and countersigned the device's head: no
    // alert, the anchor moved on past where it was at the dump.
    const st = await field.sync.status();
    expect(st.alerts.filter((a) => a.code === 'ANCHOR_BROKEN')).toEqual([]);
    expect(st.anchor!.seq).toBeGreaterThan(anchorAfterDump.seq);
    const deviceId = field.sync.config()!.deviceId;
    expect(/^[A-Za-z0-9_-]+$/.test(deviceId)).toBe(true);
    const anchored = await query<{ seq: string }>(urlB, `SELECT last_anchor_seq AS seq FROM devices WHERE id = '${deviceId}'`);
    expect(Number(anchored[0]!.seq)).toBe(st.anchor!.seq);

    // The server's own checks.
    const audit = cli(dir, envB, 'verify-audit');
    expect(audit.code, audit.out + audit.err).toBe(0);
    expect(audit.out).toMatch(/^ok: /);
  }, 240_000);
});

describe('backup and restore (SQLite): an online backup copy restored, after-restore, devices continue', () => {
  it('moves the AUTOINCREMENT sequences past the copy; a cursor ahead of it still gets new items', async () => {
    const dir = tempDir('maestro-bk-lite-');
    const port = await freePort();
    const srv = await startServer(dir, port, FAST);
    servers.push(srv);
    const teamItem = () => makeItem({ kind: 'run', contract: TEAM_CONTRACTS.run, keyScope: 'tenant' });
    const sender = await enrollDevice(srv.url, enrollToken(dir, port, 'acme', 'lite-sender@acme', 'field'), 'acme');
    const puller = await enrollDevice(srv.url, enrollToken(dir, port, 'acme', 'lite-puller@acme', 'reviewer'), 'acme');
    const pulled = collector();
    await syncBatch(srv.url, sender, [teamItem(), teamItem()], newTraffic());
    await pulled.pullAll(srv.url, puller);
    // SQLite's online backup (what `sqlite3 server.db ".backup copy.db"` does) while the server runs.
    const copy = join(tempDir('maestro-bk-lite-copy-'), 'server.db');
    const live = new Database(srv.dbPath, { readonly: true });
    await live.backup(copy);
    live.close();
    await syncBatch(srv.url, sender, [teamItem()], newTraffic()); // the loss window
    await pulled.pullAll(srv.url, puller);
    await srv.stop();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${srv.dbPath}${suffix}`, { force: true });
    copyFileSync(copy, srv.dbPath);
    const restored = new Database(srv.dbPath, { readonly: true });
    const feedMax = restored.prepare('SELECT MAX(seq) FROM team_feed').pluck().get() as number;
    const itemsMax = restored.prepare('SELECT MAX(server_seq) FROM sync_items').pluck().get() as number;
    restored.close();
    expect(feedMax).toBeLessThan(puller.cursor);

    const first = cli(dir, {}, 'after-restore', '--gap', '5000');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/restored database prepared \(sqlite, gap 5000\)/);
    expect(cli(dir, {}, 'after-restore', '--gap', '5000').out).toMatch(/^already done/);
    const bad = cli(dir, {}, 'after-restore', '--gap', '12');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--gap: a whole number from 1000/);

    const again = await startServer(dir, port, FAST);
    servers.push(again);
    const [sent, newItem] = [[...sender.made], teamItem()];
    const resent = await syncBatch(again.url, sender, [...sent, newItem], newTraffic());
    expect(resent.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'accepted', 'accepted']);
    expect(resent[3]!.receipt!.receipt.serverSeq).toBeGreaterThan(itemsMax + 5000);
    const cursor = puller.cursor;
    await pulled.pullAll(again.url, puller);
    expect(pulled.seen.get(newItem.idempotencyKey)![0]).toBeGreaterThan(cursor);
    // The loss-window item, pulled before the restore and sent again, comes again with a new seq
    // (devices keep one copy per item id); nothing else comes twice.
    expect(pulled.twice()).toEqual([sent[2]!.idempotencyKey]);
    expect(pulled.seen.get(sent[2]!.idempotencyKey)![1]).toBeGreaterThan(cursor);
    const audit = cli(dir, {}, 'verify-audit');
    expect(audit.code, audit.out + audit.err).toBe(0);
  }, 120_000);
});
