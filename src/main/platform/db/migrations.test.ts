import { describe, expect, it } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, schemaVersion } from './connection';
import { DatabaseError } from './errors';
import { LATEST_SCHEMA_VERSION, migrations } from './migrations/index';
import { tempDir } from '../test-utils';
import { migrationChecksum } from '../../../platform/migrations';

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('001 creates an append-only audit_log', () => {
    const db = openDatabase(':memory:', { targetVersion: 1 });
    expect(schemaVersion(db)).toBe(1);
    db.prepare("INSERT INTO audit_log (seq, ts, actor, action, payload, prev_hash, hash) VALUES (1, 't', 'a', 'x', '{}', 'p', 'h')").run();
    expect(() => db.prepare("UPDATE audit_log SET payload = '[]'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
  });

  it('002 adds the profile table and keeps audit rows written at version 1', () => {
    const dir = tempDir();
    const path = join(dir, 'm.db');
    const db1 = openDatabase(path, { targetVersion: 1 });
    db1.prepare("INSERT INTO audit_log (seq, ts, actor, action, payload, prev_hash, hash) VALUES (1, 't', 'a', 'x', '{}', 'p', 'h')").run();
    db1.close();
    const db2 = openDatabase(path, { targetVersion: 2 });
    expect(schemaVersion(db2)).toBe(2);
    expect(db2.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(1);
    db2.prepare("INSERT INTO profile VALUES (1, 'p', 'n', 't', 'field', 'd', 'c')").run();
    expect(() => db2.prepare("INSERT INTO profile VALUES (2, 'p', 'n', 't', 'field', 'd', 'c')").run()).toThrow();
    expect(() => db2.prepare("UPDATE profile SET role = 'root'").run()).toThrow();
    db2.close();
  });

  it('011 rebuilds the outbox for team items and keeps every row (sealed ones marked device-scoped)', () => {
    const path = join(tempDir(), 'm11.db');
    const db10 = openDatabase(path, { targetVersion: 10 });
    db10.prepare("INSERT INTO audit_log (seq, ts, actor, action, payload, prev_hash, hash) VALUES (1, 't', 'a', 'x', '{}', 'p', 'h')").run();
    db10.prepare("INSERT INTO records (id, contract, data, created_at, audit_seq) VALUES ('r1', 'c@1.0.0', '{}', 't', 1)").run();
    const ins = db10.prepare(
      `INSERT INTO outbox (id, idempotency_key, record_id, kind, contract, tenant, created_at, state, next_attempt_at, key_version, ciphertext, iv, tag, content_hash)
       VALUES (?, ?, 'r1', 'record', 'c@1.0.0', 'acme', 't', ?, 't', ?, ?, ?, ?, ?)`,
    );
    ins.run('o1', 'k1', 'acked', 1, Buffer.from('ct'), 'iv', 'tag', 'h');
    ins.run('o2', 'k2', 'queued', null, null, null, null, null);
    db10.close();
    const db = openDatabase(path, { targetVersion: 11 });
    const rows = db.prepare('SELECT id, state, kind, key_scope, ciphertext FROM outbox ORDER BY id').all();
    expect(rows).toEqual([
      { id: 'o1', state: 'acked', kind: 'record', key_scope: 'device', ciphertext: Buffer.from('ct') },
      { id: 'o2', state: 'queued', kind: 'record', key_scope: null, ciphertext: null },
    ]);
    db.prepare(
      "INSERT INTO outbox (id, idempotency_key, kind, contract, tenant, created_at, state, next_attempt_at, ref_id) VALUES ('o3', 'k3', 'run', 'maestro.share.run@1.0.0', 'acme', 't', 'queued', 't', 'run_1')",
    ).run();
    expect(() =>
      db
        .prepare(
          "INSERT INTO outbox (id, idempotency_key, kind, contract, tenant, created_at, state, next_attempt_at) VALUES ('o4', 'k4', 'bogus', 'x', 'acme', 't', 'queued', 't')",
        )
        .run(),
    ).toThrow();
    expect(db.prepare('SELECT cursor FROM team_state').pluck().get()).toBe(0);
    db.close();
  });

  it('014 marks the cards recorded before it for the search backfill and adds the shared run context', () => {
    const path = join(tempDir(), 'm14.db');
    const db13 = openDatabase(path, { targetVersion: 13 });
    const card = db13.prepare(
      `INSERT INTO decision_cards (id, kind, run_id, step_id, created_at, lane, status, cost_cents, uncertainty, body, audit_hash)
       VALUES (?, 'step', 'run_1', 's', ?, 'RED', 'allowed', 0, 0, '{}', 'h')`,
    );
    card.run('card_1', '2026-11-01T00:00:00.000Z');
    card.run('card_2', '2026-11-01T00:00:01.000Z');
    db13
      .prepare(
        "INSERT INTO team_runs (device, run_id, user, status, awaiting_card, updated_at, created_at, body, seq, received_at) VALUES ('d', 'run_1', 'u', 'succeeded', NULL, 't', 't', '{}', 1, 't')",
      )
      .run();
    db13.close();
    const db = openDatabase(path, { targetVersion: 14 });
    expect(db.prepare('SELECT done_to, legacy_to FROM card_search_backfill').get()).toEqual({ done_to: 0, legacy_to: 2 });
    expect(db.prepare('SELECT context FROM team_runs').pluck().get()).toBeNull();
    expect(() => db.prepare('INSERT INTO card_search_backfill (singleton, done_to, legacy_to) VALUES (2, 0, 0)').run()).toThrow();
    db.close();
  });

  it('opens with WAL, foreign keys and busy timeout', () => {
    const db = openDatabase(join(tempDir(), 'x.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('refuses a database from a newer app and leaves it byte-for-byte unchanged', () => {
    const path = join(tempDir(), 'future.db');
    const raw = new Database(path);
    raw.pragma('user_version = 999');
    raw.exec('CREATE TABLE t (x)');
    raw.close();
    const before = readFileSync(path);
    expect(() => openDatabase(path)).toThrow(expect.objectContaining({ code: 'DB_FROM_FUTURE' }));
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a corrupt file and leaves it unchanged', () => {
    const path = join(tempDir(), 'corrupt.db');
    writeFileSync(path, Buffer.from('this is not a database at all, just text '.repeat(200)));
    const before = readFileSync(path);
    let err: unknown;
    try {
      openDatabase(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatabaseError);
    // Without the at-rest key a file with no SQLite header may be encrypted or damaged: it is refused as needing the key.
    expect((err as DatabaseError).code).toBe('DB_KEY_REQUIRED');
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a file with a valid header but damaged pages, unchanged', () => {
    const path = join(tempDir(), 'damaged.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    raw.close();
    const buf = readFileSync(path);
    buf.fill(0xff, 100, 4096); // wreck the schema page after the header
    writeFileSync(path, buf);
    expect(() => openDatabase(path)).toThrow(expect.objectContaining({ code: 'DB_CORRUPT' }));
    expect(readFileSync(path).equals(buf)).toBe(true);
  });

  it('a failing migration applies nothing', () => {
    const path = join(tempDir(), 'fail.db');
    const db = openDatabase(path, { targetVersion: 1 });
    db.exec('CREATE TABLE profile (x)'); // collides with migration 2
    db.close();
    expect(() => openDatabase(path)).toThrow(expect.objectContaining({ code: 'DB_MIGRATION_FAILED' }));
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(1);
    check.close();
  });
  it('records each applied migration with the SHA-256 of its text', () => {
    const db = openDatabase(join(tempDir(), 'sums.db'));
    expect(db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all()).toEqual(
      migrations.map((m) => ({ version: m.version, name: m.name, checksum: migrationChecksum(m) })),
    );
    db.close();
  });

  it('a database migrated before checksums existed (user_version only) is recognised: checksums recorded, the rest applied', () => {
    const path = join(tempDir(), 'legacy.db');
    const raw = new Database(path);
    raw.transaction(() => {
      for (const m of migrations.slice(0, 4)) raw.exec(m.sql); // what the old runner did
      raw.pragma('user_version = 4');
    })();
    raw.prepare("INSERT INTO profile VALUES (1, 'p', 'n', 't', 'field', 'd', 'c')").run();
    raw.close();
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare('SELECT version, checksum FROM schema_migrations ORDER BY version').all()).toEqual(
      migrations.map((m) => ({ version: m.version, checksum: migrationChecksum(m) })),
    );
    expect(db.prepare('SELECT name FROM profile').pluck().get()).toBe('n');
    db.close();
    // Reopening (read-only or not) finds every checksum recorded and matching.
    openDatabase(path, { readonly: true }).close();
    openDatabase(path).close();
    expect(new Database(path).prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION);
  });

  it('refuses a database where an applied migration had different text, and leaves it unchanged', () => {
    const path = join(tempDir(), 'edited.db');
    openDatabase(path).close();
    const raw = new Database(path);
    raw.prepare("UPDATE schema_migrations SET checksum = 'x' WHERE version = 3").run();
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    const before = readFileSync(path);
    expect(() => openDatabase(path)).toThrow(
      expect.objectContaining({ code: 'DB_MIGRATION_FAILED', message: expect.stringMatching(/migration 3 .*different text/) }),
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
