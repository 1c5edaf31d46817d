// PostgreSQL implementation of ServerStorage (chosen when DATABASE_URL is set). Same contract as
// sqlite.ts; the shared decisions live in common.ts. Writes that belong together run on one pooled
// client between BEGIN and COMMIT. All SQL is parameterised.
import pg from 'pg';
import { migratePostgres } from './postgres-migrate';
import { StorageOpenError, type ServerStorage } from './types';
import { createPostgresContext } from './postgres-context';
import { postgresDevicesMethods } from './postgres-devices';
import { postgresTeamMethods } from './postgres-team';
import { postgresSyncMethods } from './postgres-sync';
import { postgresGovernanceMethods } from './postgres-governance';
import { withTx } from './postgres-helpers';
import { PgBlobStore } from '../blobs/pg-store';

export interface PostgresStorageOptions {
  connectionString: string;
  /** Schema to use instead of the role's default search_path (tests use a fresh one each). */
  schema?: string;
  poolSize?: number;
  /** Errors on idle pooled connections (e.g. the server restarted); without a handler they crash the process. */
  onPoolError?: (err: Error) => void;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

// Per-pool parsers (not the process-global pg.types): int8 → number (our seqs and counts stay far
// below 2^53) and timestamptz → the same ISO text the SQLite backend stores.
const baseTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (v: string) => Date;
export const PG_TYPE_PARSERS = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    if (oid === pg.types.builtins.TIMESTAMPTZ) return (v: string) => baseTimestamptz(v).toISOString();
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

export async function openPostgresStorage(opts: PostgresStorageOptions): Promise<ServerStorage> {
  if (opts.schema !== undefined && !IDENT.test(opts.schema)) throw new Error(`Invalid schema name ${opts.schema}`);
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize ?? 10,
    types: PG_TYPE_PARSERS,
    // search_path set at connection start, so every pooled connection sees the same schema.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  pool.on('error', (err) => opts.onPoolError?.(err));
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    if (err instanceof StorageOpenError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new StorageOpenError('DB_UNREACHABLE', `Cannot open PostgreSQL storage: ${msg}`);
  }
  return createPostgresRepository(pool);
}

async function migrate(pool: pg.Pool): Promise<void> {
  await withTx(pool, migratePostgres);
}

function createPostgresRepository(pool: pg.Pool): ServerStorage {
  const ctx = createPostgresContext(pool);
  const blobs = new PgBlobStore(pool);
  return {
    ...postgresDevicesMethods(ctx),
    ...postgresTeamMethods(ctx),
    ...postgresSyncMethods(ctx),
    ...postgresGovernanceMethods(ctx),
    blobStore: () => blobs,
  };
}
