// Applies PG_MIGRATIONS (src/platform/migrations.ts scheme) inside the caller's transaction. The
// version is MAX(version) of schema_migrations; rows written before checksums existed have none
// and get theirs recorded here on first start. Each row also records its compatibility floor
// (compat_min): a server that knows fewer migrations than the schema has runs on it, without
// migrating, only when every newer migration declares a floor at or below what it knows; that is
// how version N keeps serving beside N+1 on one schema during a rolling upgrade.
import type pg from 'pg';
import { migrationChecksum, MigrationError, planMigrations, runsOnSchema, type AppliedMigration } from '../../platform/migrations';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './postgres-migrations';
import { StorageOpenError } from './types';

// Any 64-bit constant works; it only has to be the same for every server sharing the database.
export const MIGRATION_LOCK_KEY = 7_405_331_021;

type Queryable = Pick<pg.PoolClient, 'query'>;

/** The schema's version and whether this build runs on it (equal, or newer with a floor it meets). */
export interface SchemaStatus {
  version: number;
  compatible: boolean;
}

/** Reads the schema's version and compatibility for this build (cheap: schema_migrations is tiny). */
export async function schemaStatus(c: Queryable): Promise<SchemaStatus> {
  const r = await c.query<{ v: number; floor: number | null }>(
    'SELECT COALESCE(MAX(version), 0) AS v, MAX(COALESCE(compat_min, version)) FILTER (WHERE version > $1) AS floor FROM schema_migrations',
    [PG_SCHEMA_VERSION],
  );
  const version = Number(r.rows[0]?.v ?? 0);
  const floor = r.rows[0]?.floor;
  return { version, compatible: runsOnSchema(PG_SCHEMA_VERSION, version, floor === null || floor === undefined ? null : Number(floor)) };
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

/** Columns added to schema_migrations after it first shipped; altered only when missing (ALTER locks the table). */
async function addBookkeepingColumns(c: Queryable): Promise<void> {
  const have = new Set(
    (
      await c.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
      )
    ).rows.map((r) => r.column_name),
  );
  const missing = ['name TEXT', 'checksum TEXT', 'compat_min INTEGER'].filter((col) => !have.has(col.split(' ')[0]!));
  if (missing.length > 0) await c.query(`ALTER TABLE schema_migrations ${missing.map((col) => `ADD COLUMN IF NOT EXISTS ${col}`).join(', ')}`);
}

/** What opening found: the schema's version, and whether it is newer than this build (then nothing was migrated). */
export interface MigrateOutcome {
  version: number;
  newer: boolean;
}

/** Call inside a transaction: verifies checksums, records missing ones, applies what is pending. */
export async function migratePostgres(c: Queryable): Promise<MigrateOutcome> {
  // Servers starting at once: the others wait here, then see the migrations applied.
  await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
  await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
  await addBookkeepingColumns(c);
  const { version: found, compatible } = await schemaStatus(c);
  if (!compatible) {
    throw new StorageOpenError(
      'DB_FROM_FUTURE',
      `Refusing to use this PostgreSQL schema: version ${found} is newer than this server supports (${PG_SCHEMA_VERSION}) ` +
        `and its newer migrations do not declare this version compatible. Upgrade the server.`,
    );
  }
  const { backfill, pending } = await plan(c, Math.min(found, PG_SCHEMA_VERSION));
  for (const m of backfill)
    await c.query('UPDATE schema_migrations SET name = $2, checksum = $3 WHERE version = $1', [m.version, m.name, migrationChecksum(m)]);
  for (const m of pending) {
    await c.query(m.sql);
    await c.query('INSERT INTO schema_migrations (version, name, checksum, compat_min) VALUES ($1, $2, $3, $4)', [
      m.version,
      m.name,
      migrationChecksum(m),
      m.compatMin ?? m.version,
    ]);
  }
  return { version: Math.max(found, PG_SCHEMA_VERSION), newer: found > PG_SCHEMA_VERSION };
}
