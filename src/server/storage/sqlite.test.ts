import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RISK_POLICY } from '../../shared/risk';
import { deviceListSql } from './common';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { migrationChecksum } from '../../platform/migrations';
import { openSqliteStorage } from './sqlite';
import { StorageOpenError } from './types';

let dir: string;
let dbPath: string;

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function inspect<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(dbPath, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function expectRefused(code: string): void {
  let caught: unknown;
  try {
    void openSqliteStorage(dbPath).close();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(StorageOpenError);
  expect((caught as StorageOpenError).code).toBe(code);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-srv-'));
  dbPath = join(dir, 'server.db');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openSqliteStorage', () => {
  it('migrates a new db to user_version 6 with server_meta.created_at, the sync tables, the search indexes, the anchor frontier and the team sync tables', async () => {
    const now = new Date('2025-02-03T04:05:06.000Z');
    const s = openSqliteStorage(dbPath, { now: () => now });
    expect(await s.health()).toMatchObject({ ok: true, detail: 'ok' });
    await s.close();

    expect(SCHEMA_VERSION).toBe(11);
    inspect((db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(11);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      for (const t of [
        'enrollment_tokens',
        'devices',
        'nonces',
        'sync_items',
        'device_audit_hashes',
        'equivocations',
        'server_audit',
        'contract_versions',
        'device_snapshots',
        'tenant_risk_policies',
        'device_certs',
        'tenant_key_versions',
        'wrapped_keys',
        'approval_claims',
        'team_feed',
      ]) {
        expect(tables).toContain(t);
      }
      const feedIndexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'team_feed'").all() as { name: string }[]).map(
        (r) => r.name,
      );
      expect(feedIndexes).toContain('team_feed_tenant_seq');
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'devices'").all() as { name: string }[]).map(
        (r) => r.name,
      );
      expect(indexes).toEqual(expect.arrayContaining(['devices_tenant_id_ci', 'devices_tenant_user_ci', 'devices_tenant_name_ci']));
      const row = db.prepare('SELECT value FROM server_meta WHERE key = ?').get('created_at');
      expect(row).toEqual({ value: now.toISOString() });
    });
  });

  it('reopening is idempotent (no re-run, created_at kept)', async () => {
    await openSqliteStorage(dbPath, { now: () => new Date('2025-01-01T00:00:00Z') }).close();
    const s = openSqliteStorage(dbPath, { now: () => new Date('2030-01-01T00:00:00Z') });
    await s.close();
    await s.close(); // close is safe to repeat
    inspect((db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(11);
      expect(db.prepare('SELECT key, value FROM server_meta').all()).toEqual([{ key: 'created_at', value: '2025-01-01T00:00:00.000Z' }]);
    });
  });

  it('refuses a db from a newer server with DB_FROM_FUTURE and leaves its bytes unchanged', () => {
    const db = new Database(dbPath);
    db.exec('CREATE TABLE future_stuff (x INTEGER)');
    db.pragma('user_version = 99');
    db.close();
    const before = sha256(dbPath);

    expectRefused('DB_FROM_FUTURE');
    expect(sha256(dbPath)).toBe(before);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    inspect((d) => expect(d.pragma('user_version', { simple: true })).toBe(99));
  });

  it('refuses a non-SQLite file and leaves it unchanged', () => {
    writeFileSync(dbPath, 'this is definitely not a database, just some text\n'.repeat(100));
    const before = sha256(dbPath);
    expectRefused('DB_NOT_SQLITE');
    expect(sha256(dbPath)).toBe(before);
  });

  it('treats an existing empty file as a new database', async () => {
    writeFileSync(dbPath, '');
    const s = openSqliteStorage(dbPath);
    expect((await s.health()).ok).toBe(true);
    await s.close();
  });

  it('upgrades a version-1 database in place, keeping server_meta', async () => {
    const db = new Database(dbPath);
    db.exec("CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT) STRICT; INSERT INTO server_meta VALUES ('created_at', 'then')");
    db.pragma('user_version = 1');
    db.close();
    const s = openSqliteStorage(dbPath);
    expect((await s.stats()).devices).toBe(0);
    await s.close();
    inspect((d) => {
      expect(d.pragma('user_version', { simple: true })).toBe(11);
      expect(d.prepare('SELECT value FROM server_meta').get()).toEqual({ value: 'then' });
    });
  });

  it('a database migrated before checksums existed is recognised: checksums recorded for its applied migrations, the rest applied', async () => {
    const db = new Database(dbPath);
    db.exec("CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT) STRICT; INSERT INTO server_meta VALUES ('created_at', 'then')");
    for (const m of MIGRATIONS.slice(1, 3)) db.exec(m.sql);
    db.pragma('user_version = 3');
    db.close();
    await openSqliteStorage(dbPath).close();
    inspect((d) => {
      expect(d.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(d.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all()).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name, checksum: migrationChecksum(m) })),
      );
      expect(d.prepare('SELECT value FROM server_meta').get()).toEqual({ value: 'then' });
    });
    await openSqliteStorage(dbPath).close(); // and opens again as it is
  });

  it('refuses a db where an applied migration had different text (DB_MIGRATION_CHANGED), unchanged', async () => {
    await openSqliteStorage(dbPath).close();
    const db = new Database(dbPath);
    db.prepare("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2").run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const before = sha256(dbPath);
    expectRefused('DB_MIGRATION_CHANGED');
    expect(sha256(dbPath)).toBe(before);
  });

  it('a batch whose signing fails stores nothing; a row left unsigned (older servers) is re-signed on its next duplicate', async () => {
    const s = openSqliteStorage(dbPath);
    const db = new Database(dbPath);
    db.prepare("INSERT INTO devices (id, tenant, user_id, roles, name, public_key, enrolled_at) VALUES ('d', 't', 'u', '[]', 'n', 'k', 'x')").run();
    db.close();
    const item = {
      idempotencyKey: 'a'.repeat(64),
      contract: 'x.y.z@1.0.0',
      kind: 'record' as const,
      createdAt: 'c',
      keyVersion: 1,
      ciphertext: Buffer.from('ct'),
      iv: 'i',
      tag: 't',
      contentHash: 'h'.repeat(64),
    };
    const base = {
      tenant: 't',
      device: 'd',
      appVersion: '1',
      receivedAt: '2025-01-01T00:00:00.000Z',
      items: [item],
      receiptFor: (_: unknown, seq: number) => ({ json: `{"seq":${seq}}`, signingBytes: `bytes-${seq}` }),
      signingBytesOf: (json: string) => `bytes-${(JSON.parse(json) as { seq: number }).seq}`,
    };
    await expect(s.ingestBatch({ ...base, sign: () => Promise.reject(new Error('worker died')) })).rejects.toThrow('worker died');
    inspect((d) => expect(d.prepare('SELECT COUNT(*) AS n FROM sync_items').get()).toEqual({ n: 0 }));
    // A server from before single-transaction ingest stored rows first and their signatures in a
    // second transaction; a crash in between left the row unsigned.
    const legacy = new Database(dbPath);
    legacy
      .prepare(
        `INSERT INTO sync_items (server_seq, tenant, device, idempotency_key, contract, kind, created_at, key_version, ciphertext, iv, tag, content_hash, received_at, receipt_json, receipt_sig)
         VALUES (1, 't', 'd', ?, ?, 'record', 'c', 1, ?, 'i', 't', ?, ?, '{"seq":1}', '')`,
      )
      .run(item.idempotencyKey, item.contract, item.ciphertext, item.contentHash, base.receivedAt);
    legacy.close();
    inspect((d) => expect(d.prepare('SELECT receipt_json, receipt_sig FROM sync_items').all()).toEqual([{ receipt_json: '{"seq":1}', receipt_sig: '' }]));

    const signed: string[] = [];
    const sign = (ms: readonly string[]) => Promise.resolve(ms.map((m) => (signed.push(m), `sig(${m})`)));
    expect(await s.ingestBatch({ ...base, sign })).toEqual([{ status: 'duplicate', receipt: { json: '{"seq":1}', signature: 'sig(bytes-1)' } }]);
    expect(signed).toEqual(['bytes-1']);
    inspect((d) => expect(d.prepare('SELECT receipt_sig FROM sync_items').get()).toEqual({ receipt_sig: 'sig(bytes-1)' }));
    await s.close();
  });

  it('keeps server_audit append-only', async () => {
    const s = openSqliteStorage(dbPath);
    await s.createEnrollmentToken(
      { tokenHash: 'h', tenant: 't', user: 'u', role: 'field', createdAt: '2025-01-01T00:00:00.000Z', expiresAt: '2025-01-02T00:00:00.000Z' },
      { ts: '2025-01-01T00:00:00.000Z', actor: 'cli', action: 'enrollment_token.created', subject: 'token:h', payload: {} },
    );
    await s.close();
    const db = new Database(dbPath);
    try {
      expect(() => db.prepare("UPDATE server_audit SET actor = 'x'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM server_audit').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });
});

describe('device search (q)', () => {
  // The count visits every match, so it must not visit anything else. (The page may instead walk
  // the sort's index and stop once the page is full: the planner's choice, either is bounded.)
  // SQLite picks the search indexes only with statistics, which the storage keeps itself.
  it('counts matches with index range scans within the tenant once the storage has statistics (kept by admin reads)', async () => {
    const s = openSqliteStorage(dbPath);
    const raw = new Database(dbPath);
    const insert = raw.prepare(
      `INSERT INTO devices (id, tenant, user_id, roles, name, public_key, enrolled_at) VALUES (?, ?, ?, '["field"]', ?, 'pk', '2025-01-01T00:00:00.000Z')`,
    );
    raw.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`dev_${String(i).padStart(8, '0')}`, i % 10 === 0 ? 'globex' : 'acme', `user-${i % 500}`, `Device ${i}`);
    })();
    raw.close();
    const query = {
      tenant: 'acme',
      now: '2025-03-01T00:00:00.000Z',
      policy: DEFAULT_RISK_POLICY,
      q: 'User-12',
      sort: 'pending' as const,
      dir: 'desc' as const,
      limit: 51,
    };
    expect((await s.listDevices(query)).total).toBe(100); // user-12, user-121 … user-129: 10 devices each (user-120 is globex)
    await s.close();
    const { count } = deviceListSql('sqlite', query);
    inspect((db) => {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${count.sql}`).all(count.params.named()) as { detail: string }[]).map((r) => r.detail).join('\n');
      for (const ix of ['devices_tenant_id_ci', 'devices_tenant_user_ci', 'devices_tenant_name_ci'])
        expect(plan, count.sql).toContain(`USING INDEX ${ix} (tenant=? AND`);
      expect(plan).not.toMatch(/SCAN devices/);
    });
  });
});
