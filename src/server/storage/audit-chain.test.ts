// The server audit chain on both backends: writes (concurrent instances on PostgreSQL) verify, and
// each kind of tampering is reported at the right seq, by the function and by the real CLI.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresBackend, sqliteBackend, type TestDb } from '../testing/backends';
import { verifyAuditChain, type AuditAnchor, type AuditPageReader } from './audit-chain';
import { auditPostgres, postgresAuditReader } from './audit-chain-postgres';
import { migrateSqlite } from '../../platform/sqlite-migrations';
import { sqliteAuditReader, sqliteAuditWriter } from './audit-chain-sqlite';
import { MIGRATION_NOW_FUNCTION, MIGRATIONS } from './migrations';
import { PG_MIGRATIONS } from './postgres-migrations';
import { openSqliteStorage } from './sqlite';
import { openPostgresStorage, PG_TYPE_PARSERS } from './postgres';
import { withTx } from './postgres-helpers';
import type { AuditInput, ServerStorage } from './types';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const run = promisify(execFile);
const T = '2025-03-01T12:00:00.000Z';

const auditOf = (i: number, tag = 'a'): AuditInput => ({
  ts: T,
  actor: 'cli',
  action: 'enrollment_token.created',
  subject: `token:${tag}${i}`,
  payload: { n: i, tag, z: 'zeta', a: [1, 'two'] },
});

/** One audited transaction: an enrollment token and its audit row. */
const writeRow = (s: ServerStorage, i: number, tag = 'a'): Promise<void> =>
  s.createEnrollmentToken(
    { tokenHash: `${tag}${i}-${randomBytes(4).toString('hex')}`, tenant: 't', user: 'u', role: 'field', createdAt: T, expiresAt: T },
    auditOf(i, tag),
  );

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, 'verify-audit', ...args], { env: { ...process.env, DATABASE_URL: '', ...env } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe.each([sqliteBackend, postgresBackend()])('server audit chain ($label)', (backend) => {
  const skip = backend.skipReason();
  const isPg = backend.label === 'PostgreSQL';
  let db: TestDb;
  let read: AuditPageReader;
  let closeReader: () => Promise<void>;
  beforeEach(async () => {
    if (skip) return;
    db = await backend.open();
    const env = db.cliEnv();
    if (env.DATABASE_URL) {
      const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1, types: PG_TYPE_PARSERS });
      read = postgresAuditReader(pool);
      closeReader = () => pool.end();
    } else {
      const r = new Database(env.MAESTRO_SERVER_DB!, { readonly: true });
      read = sqliteAuditReader(r);
      closeReader = () => Promise.resolve(void r.close());
    }
  });
  afterEach(async () => {
    if (skip) return;
    await closeReader();
    await db.dispose();
  });
  const verify = (anchor: AuditAnchor | null = null, pageRows?: number) => verifyAuditChain(read, { anchor, ...(pageRows ? { pageRows } : {}) });
  const seqs = async (): Promise<number[]> => (await db.query('SELECT seq FROM server_audit ORDER BY seq')).map((r) => Number(r.seq));
  const dropTriggers = () =>
    isPg
      ? db.write('DROP TRIGGER server_audit_no_change ON server_audit')
      : db.write('DROP TRIGGER server_audit_no_update').then(() => db.write('DROP TRIGGER server_audit_no_delete'));

  it.skipIf(skip)('chains every row from genesis; a fresh database needs no seal', async () => {
    for (let i = 0; i < 25; i++) await writeRow(db.storage, i);
    const v = await verify(null, 7); // several keyset pages
    expect(v).toMatchObject({ ok: true, rows: 25, chained: 25, sealed: 0, unsealed: null, firstBad: null });
    const rows = await db.query('SELECT seq, prev_hash, hash, action FROM server_audit ORDER BY seq');
    expect(rows[0]).toMatchObject({ prev_hash: '0'.repeat(64), action: 'enrollment_token.created' });
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    expect(v.head).toEqual({ seq: Number(rows[24]!.seq), hash: rows[24]!.hash });
  });

  it.skipIf(skip)('refuses a row that forks the chain (links a row that already has a successor); the writer goes on', async () => {
    for (let i = 0; i < 5; i++) await writeRow(db.storage, i);
    const rows = await db.query('SELECT seq, prev_hash, hash FROM server_audit ORDER BY seq');
    const insert = async (prev: string) =>
      db.write('INSERT INTO server_audit (ts, actor, action, subject, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        T,
        'attacker',
        'fork',
        'x',
        '{"fork":true}',
        prev,
        randomBytes(32).toString('hex'),
      ]);
    const forked = /last chained row|duplicate key/; // the SQLite trigger, PostgreSQL's unique index
    await expect(insert(rows[2]!.hash as string)).rejects.toThrow(forked); // row 4 links it already
    await expect(insert('0'.repeat(64))).rejects.toThrow(forked); // the first row links genesis
    expect(await seqs()).toHaveLength(5);
    await writeRow(db.storage, 5);
    expect(await verify()).toMatchObject({ ok: true, rows: 6, chained: 6, firstBad: null });
  });

  it.skipIf(skip)('reports an edited payload, a deleted row and two swapped rows at the right seq', async () => {
    for (let i = 0; i < 12; i++) await writeRow(db.storage, i);
    const s = await seqs();
    await dropTriggers(); // as an attacker with the database's credentials would
    await db.write(`UPDATE server_audit SET payload = $1 WHERE seq = $2`, [JSON.stringify({ n: 999, tag: 'a', z: 'zeta', a: [1, 'two'] }), s[9]]);
    expect((await verify()).firstBad).toMatchObject({ seq: s[9], fault: 'hash' });
    await db.write('DELETE FROM server_audit WHERE seq = $1', [s[6]]);
    expect((await verify()).firstBad).toMatchObject({ seq: s[7], fault: 'prev' });
    // Swap seqs 2 and 4 (the rows move, their hashes with them).
    await db.write('UPDATE server_audit SET seq = -1 WHERE seq = $1', [s[2]]);
    await db.write('UPDATE server_audit SET seq = $1 WHERE seq = $2', [s[2], s[4]]);
    await db.write('UPDATE server_audit SET seq = $1 WHERE seq = -1', [s[4]]);
    expect((await verify()).firstBad).toMatchObject({ seq: s[2], fault: 'prev' });
  });

  it.skipIf(skip)(
    'the real CLI: ok with the head, exit 1 with the first bad row, and an anchor catches a cut tail',
    async () => {
      for (let i = 0; i < 6; i++) await writeRow(db.storage, i);
      const s = await seqs();
      const good = await cli(db.cliEnv());
      expect(good.err).toBe('');
      expect(good.code).toBe(0);
      const head = (await db.query('SELECT hash FROM server_audit WHERE seq = $1', [s[5]]))[0]!.hash as string;
      expect(good.out).toBe(`ok: 6 rows (6 chained, 0 sealed from before the chain), head seq ${s[5]} hash ${head}\n`);
      await dropTriggers();
      await db.write('DELETE FROM server_audit WHERE seq = $1', [s[5]]);
      // Without an anchor a cut tail looks like a shorter log; with the recorded head it does not.
      expect((await cli(db.cliEnv())).code).toBe(0);
      const cut = await cli(db.cliEnv(), '--anchor', `${s[5]}:${head}`);
      expect(cut.code).toBe(1);
      expect(cut.out).toBe(`first bad row: seq ${s[5]} (anchor): the anchored row seq ${s[5]} is missing: the log was truncated or rewritten\n`);
      await db.write(`UPDATE server_audit SET actor = 'someone' WHERE seq = $1`, [s[3]]);
      const bad = await cli(db.cliEnv());
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(new RegExp(`^first bad row: seq ${s[3]} \\(hash\\): `));
      const usage = await cli(db.cliEnv(), '--anchor', 'nope');
      expect(usage.code).toBe(2);
      expect(usage.err).toContain('--anchor: must be SEQ:HASH');
    },
    30_000,
  );

  it.skipIf(skip)('rows written without the chain are sealed by the next write; editing a sealed row is caught at the seal', async () => {
    await writeRow(db.storage, 0);
    // What a server without the chain writes (an instance not yet upgraded): no hashes.
    for (let i = 1; i <= 3; i++) {
      await db.write('INSERT INTO server_audit (ts, actor, action, subject, payload) VALUES ($1, $2, $3, $4, $5)', [
        T,
        'old',
        'device.enrolled',
        `d${i}`,
        `{"i":${i}}`,
      ]);
    }
    expect(await verify()).toMatchObject({ ok: true, chained: 1, unsealed: { rows: 3 } });
    await writeRow(db.storage, 4);
    const v = await verify();
    expect(v).toMatchObject({ ok: true, rows: 6, chained: 3, sealed: 3, unsealed: null });
    const seal = (await db.query("SELECT seq, payload FROM server_audit WHERE action = 'audit.chain.sealed'"))[0]!;
    const s = await seqs();
    expect(Number(seal.seq)).toBe(s[4]);
    await dropTriggers();
    await db.write(`UPDATE server_audit SET payload = '{"i":7}' WHERE seq = $1`, [s[2]]);
    expect((await verify()).firstBad).toMatchObject({ seq: s[4], fault: 'seal' });
  });
});

describe.skipIf(postgresBackend().skipReason() !== null)('server audit chain (PostgreSQL, two instances writing at once)', () => {
  let db: TestDb;
  let url: string;
  let other: ServerStorage;
  let pool: pg.Pool;
  beforeEach(async () => {
    db = await postgresBackend().open();
    url = db.cliEnv().DATABASE_URL!;
    other = await openPostgresStorage({ connectionString: url, poolSize: 4 });
    pool = new pg.Pool({ connectionString: url, max: 4, types: PG_TYPE_PARSERS });
  });
  afterEach(async () => {
    await pool.end();
    await other.close();
    await db.dispose();
  });

  it('concurrent single- and multi-row transactions on two pools form one chain in seq order; a rollback leaves nothing', async () => {
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 120; i++) {
      work.push(writeRow(db.storage, i, 'a'), writeRow(other, i, 'b'));
      if (i % 10 === 0) {
        work.push(
          withTx(pool, async (c) => {
            for (let k = 0; k < 5; k++) await auditPostgres(c, auditOf(i * 10 + k, 'm'));
          }),
        );
      }
    }
    work.push(
      withTx(pool, async (c) => {
        await auditPostgres(c, auditOf(0, 'rolled-back'));
        throw new Error('boom');
      }).catch((e: Error) => e.message),
    );
    const out = await Promise.all(work);
    expect(out).toContain('boom');
    const n = 240 + 12 * 5;
    const v = await verifyAuditChain(postgresAuditReader(pool), { pageRows: 64 });
    expect(v).toMatchObject({ ok: true, rows: n, chained: n, sealed: 0, firstBad: null });
    expect(await db.query("SELECT 1 FROM server_audit WHERE subject LIKE 'token:rolled-back%'")).toEqual([]);
    // The pool's clients carry nothing over from the rolled-back transaction.
    await withTx(pool, (c) => auditPostgres(c, auditOf(1, 'after')));
    expect(await verifyAuditChain(postgresAuditReader(pool))).toMatchObject({ ok: true, rows: n + 1 });
  }, 60_000);

  it('rows from before migration 8 are sealed by the first chained row; an edit of one is caught', async () => {
    const schema = `maestro_a_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Pool({ connectionString: process.env.MAESTRO_TEST_DATABASE_URL, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(process.env.MAESTRO_TEST_DATABASE_URL!);
    u.searchParams.set('options', `-c search_path=${schema}`);
    const raw = new pg.Pool({ connectionString: u.toString(), max: 1, types: PG_TYPE_PARSERS });
    try {
      await raw.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      for (const m of PG_MIGRATIONS.slice(0, 7)) {
        await raw.query(m.sql);
        await raw.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      }
      for (let i = 0; i < 30; i++) {
        await raw.query('INSERT INTO server_audit (ts, actor, action, subject, payload) VALUES ($1, $2, $3, $4, $5)', [
          T,
          'cli',
          'legacy',
          `l${i}`,
          JSON.stringify({ i, b: 'x' }),
        ]);
      }
      const s = await openPostgresStorage({ connectionString: u.toString(), poolSize: 2 });
      try {
        expect(await verifyAuditChain(postgresAuditReader(raw))).toMatchObject({
          ok: true,
          rows: 30,
          chained: 0,
          unsealed: { rows: 30, fromSeq: 1, toSeq: 30 },
        });
        await writeRow(s, 1);
        await writeRow(s, 2);
      } finally {
        await s.close();
      }
      const [seal] = (await raw.query("SELECT seq, prev_hash, payload FROM server_audit WHERE action = 'audit.chain.started'")).rows as Array<{
        seq: number;
        prev_hash: string;
        payload: { rows: number };
      }>;
      expect(seal).toMatchObject({ seq: 31, prev_hash: '0'.repeat(64), payload: { rows: 30, fromSeq: 1, toSeq: 30 } });
      expect(await verifyAuditChain(postgresAuditReader(raw), { pageRows: 8 })).toMatchObject({ ok: true, rows: 33, chained: 3, sealed: 30 });
      await raw.query('DROP TRIGGER server_audit_no_change ON server_audit');
      await raw.query(`UPDATE server_audit SET subject = 'forged' WHERE seq = 12`);
      expect((await verifyAuditChain(postgresAuditReader(raw))).firstBad).toMatchObject({ seq: 31, fault: 'seal' });
    } finally {
      await raw.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }, 30_000);
});

describe('server audit chain (SQLite)', () => {
  it('one transaction writes many rows, each linked to the one before', async () => {
    const db = await sqliteBackend.open();
    const w = new Database(db.cliEnv().MAESTRO_SERVER_DB!);
    try {
      const chain = sqliteAuditWriter(w);
      w.transaction(() => {
        for (let i = 0; i < 50; i++) chain.audit(auditOf(i, 'tx'));
      })();
    } finally {
      w.close();
    }
    await writeRow(db.storage, 99);
    const r = new Database(db.cliEnv().MAESTRO_SERVER_DB!, { readonly: true });
    try {
      expect(await verifyAuditChain(sqliteAuditReader(r), { pageRows: 16 })).toMatchObject({ ok: true, rows: 51, chained: 51 });
    } finally {
      r.close();
      await db.dispose();
    }
  });
  it('auditMany writes the same rows and hashes as one audit() per row, sealing unchained rows first alike', async () => {
    const [a, b] = [await sqliteBackend.open(), await sqliteBackend.open()];
    const rowsOf = (w: Database.Database) => w.prepare('SELECT seq, ts, actor, action, subject, payload, prev_hash, hash FROM server_audit ORDER BY seq').all();
    try {
      const [wa, wb] = [new Database(a.cliEnv().MAESTRO_SERVER_DB!), new Database(b.cliEnv().MAESTRO_SERVER_DB!)];
      for (const w of [wa, wb]) {
        w.transaction(() => sqliteAuditWriter(w).audit(auditOf(0, 'first')))();
        // An unchained row at the tail (a server without the chain): the next write seals it.
        w.prepare('INSERT INTO server_audit (ts, actor, action, subject, payload) VALUES (?, ?, ?, ?, ?)').run(T, 'cli', 'legacy', 'l', '{"x":1}');
      }
      const list = Array.from({ length: 7 }, (_, i) => auditOf(i, 'many'));
      wa.transaction(() => sqliteAuditWriter(wa).auditMany(list))();
      const one = sqliteAuditWriter(wb);
      wb.transaction(() => list.forEach((x) => one.audit(x)))();
      expect(rowsOf(wa)).toEqual(rowsOf(wb));
      expect(rowsOf(wa)).toHaveLength(10);
      expect(await verifyAuditChain(sqliteAuditReader(wa))).toMatchObject({ ok: true, rows: 10, sealed: 1 });
      wa.close();
      wb.close();
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
  it('rows from before migration 8 are sealed when the server opens the database; an edit of one is caught at the seal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maestro-audit-'));
    const path = join(dir, 'server.db');
    try {
      const old = new Database(path);
      old.function(MIGRATION_NOW_FUNCTION, () => T);
      migrateSqlite(old, MIGRATIONS, { lock: 'immediate', target: 7 });
      const ins = old.prepare('INSERT INTO server_audit (ts, actor, action, subject, payload) VALUES (?, ?, ?, ?, ?)');
      for (let i = 0; i < 20; i++) ins.run(T, 'cli', 'legacy', `l${i}`, JSON.stringify({ i }));
      ins.run(T, 'cli', 'legacy', 'not-json', '{oops'); // SQLite TEXT: sealed as text
      old.close();
      const s = openSqliteStorage(path);
      await writeRow(s, 1);
      await s.close();
      const r = new Database(path, { readonly: true });
      const read = sqliteAuditReader(r);
      expect(r.prepare('SELECT seq, action FROM server_audit WHERE hash IS NOT NULL ORDER BY seq LIMIT 1').get()).toEqual({
        seq: 22,
        action: 'audit.chain.started',
      });
      expect(await verifyAuditChain(read)).toMatchObject({ ok: true, rows: 23, chained: 2, sealed: 21, unsealed: null });
      r.close();
      const w = new Database(path);
      w.exec('DROP TRIGGER server_audit_no_update');
      w.prepare(`UPDATE server_audit SET payload = '{"i":100}' WHERE seq = 5`).run();
      w.close();
      const r2 = new Database(path, { readonly: true });
      expect((await verifyAuditChain(sqliteAuditReader(r2))).firstBad).toMatchObject({ seq: 22, fault: 'seal' });
      r2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
