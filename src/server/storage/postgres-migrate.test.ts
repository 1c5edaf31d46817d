// Runs when MAESTRO_TEST_DATABASE_URL is set (scripts/pg-test.sh starts a throwaway PostgreSQL).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationChecksum } from '../../platform/migrations';
import { PG_URL_ENV } from '../testing/backends';
import { PG_MIGRATIONS } from './postgres-migrations';
import { openPostgresStorage } from './postgres';
import { StorageOpenError } from './types';

const url = process.env[PG_URL_ENV];

describe.skipIf(!url)('PostgreSQL migrations', () => {
  let schema: string;
  let admin: pg.Pool;
  let db: pg.Pool;
  beforeEach(async () => {
    schema = `maestro_m_${randomBytes(6).toString('hex')}`;
    admin = new pg.Pool({ connectionString: url, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    db = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` });
  });
  afterEach(async () => {
    await db.end();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });
  const open = () => openPostgresStorage({ connectionString: url!, schema, poolSize: 2 });
  const recorded = async () => (await db.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows;
  const all = PG_MIGRATIONS.map((m) => ({ version: m.version, name: m.name, checksum: migrationChecksum(m) }));

  it('records each migration with its checksum', async () => {
    await (await open()).close();
    expect(await recorded()).toEqual(all);
  });

  it('a schema migrated before checksums existed is recognised: checksums recorded, the rest applied', async () => {
    // What the previous runner left: schema_migrations (version, applied_at) and steps 1..4.
    await db.query('BEGIN');
    await db.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (const m of PG_MIGRATIONS.slice(0, 4)) {
      await db.query(m.sql);
      await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
    }
    await db.query('COMMIT');
    await (await open()).close();
    expect(await recorded()).toEqual(all);
    await (await open()).close();
  });

  it('refuses a schema where an applied migration had different text', async () => {
    await (await open()).close();
    await db.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 3");
    await expect(open()).rejects.toThrow(StorageOpenError);
    await expect(open()).rejects.toMatchObject({ code: 'DB_MIGRATION_CHANGED' });
  });

  it('records each migration’s compatibility floor (its own version unless it declares an older one)', async () => {
    await (await open()).close();
    const rows = (await db.query('SELECT version, compat_min FROM schema_migrations ORDER BY version')).rows;
    expect(rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version, compat_min: m.compatMin ?? m.version })));
    expect(PG_MIGRATIONS[8]).toMatchObject({ version: 9, compatMin: 8 });
  });

  it('runs beside a newer schema that declares this version compatible (N on N+1), healthy and ready; refuses one that does not', async () => {
    const n = PG_MIGRATIONS.length;
    await (await open()).close();
    await db.query('INSERT INTO schema_migrations (version, name, checksum, compat_min) VALUES ($1, $2, $3, $4)', [n + 1, 'expand only', 'x', n]);
    const s = await open();
    expect(await s.readiness()).toEqual({ db: true, schema: true, listen: true });
    expect(await s.health()).toMatchObject({ ok: true });
    // Then N+2 lands and does not keep the floor: the running instance turns not ready, a new one refuses to start.
    await db.query('INSERT INTO schema_migrations (version, name, checksum, compat_min) VALUES ($1, $2, $3, $4)', [n + 2, 'contract', 'y', n + 2]);
    expect(await s.readiness()).toMatchObject({ db: true, schema: false });
    expect(await s.health()).toMatchObject({ ok: false });
    await s.close();
    const refused = open();
    await expect(refused).rejects.toMatchObject({ code: 'DB_FROM_FUTURE' });
    await expect(refused).rejects.toThrow(
      `version ${n + 2} is newer than this server supports (${n}) and its newer migrations do not declare this version compatible`,
    );
    expect((await db.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(n + 2);
  });

  it('refuses a schema from a newer server, unchanged', async () => {
    await (await open()).close();
    await db.query('INSERT INTO schema_migrations (version, name, checksum) VALUES (99, $1, $2)', ['future', 'x']);
    await expect(open()).rejects.toMatchObject({ code: 'DB_FROM_FUTURE' });
    expect((await db.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(PG_MIGRATIONS.length + 1);
  });
});
