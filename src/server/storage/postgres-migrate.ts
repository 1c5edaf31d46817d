// Applies PG_MIGRATIONS (src/platform/migrations.ts scheme) inside the caller's transaction. The
// version is MAX(version) of schema_migrations; rows written before checksums existed have none
// and get theirs recorded here on first start.
import type pg from 'pg';
import { migrationChecksum, MigrationError, planMigrations, type AppliedMigration } from '../../platform/migrations';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './postgres-migrations';
import { StorageOpenError } from './types';

// Any 64-bit constant works; it only has to be the same for every server sharing the database.
export const MIGRATION_LOCK_KEY = 7_405_331_021;

type Queryable = Pick<pg.PoolClient, 'query'>;

async function currentVersion(c: Queryable): Promise<number> {
  const found = Number((await c.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')).rows[0]?.v ?? 0);
  if (found > PG_SCHEMA_VERSION) {
    throw new StorageOpenError(
      'DB_FROM_FUTURE',
      `Refusing to use this PostgreSQL schema: version ${found} is newer than this server supports (${PG_SCHEMA_VERSION}). Upgrade the server.`,
    );
  }
  return found;
}

async function plan(c: Queryable, current: number): Promise<ReturnType<typeof planMigrations>> {
  const recorded = (await c.query<AppliedMigration>('SELECT version, checksum FROM schema_migrations WHERE checksum IS NOT NULL')).rows;
  try {
    return planMigrations(PG_MIGRATIONS, current, recorded);
  } catch (err) {
    if (err instanceof MigrationError) throw new StorageOpenError('DB_MIGRATION_CHANGED', `Refusing to use this PostgreSQL schema: ${err.message}`);
    throw err;
  }
}

/** Call inside a transaction: verifies checksums, records missing ones, applies what is pending. */
export async function migratePostgres(c: Queryable): Promise<void> {
  // Two servers starting at once: the second waits here, then sees the migrations applied.
  await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
  await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
  const current = await currentVersion(c);
  await c.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS name TEXT, ADD COLUMN IF NOT EXISTS checksum TEXT');
  const { backfill, pending } = await plan(c, current);
  for (const m of backfill)
    await c.query('UPDATE schema_migrations SET name = $2, checksum = $3 WHERE version = $1', [m.version, m.name, migrationChecksum(m)]);
  for (const m of pending) {
    await c.query(m.sql);
    await c.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, migrationChecksum(m)]);
  }
}
