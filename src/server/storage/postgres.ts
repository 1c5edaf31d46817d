// PostgreSQL implementation of ServerStorage (chosen when DATABASE_URL is set). Same contract as
// sqlite.ts; the shared decisions live in common.ts. Writes that belong together run on one pooled
// client between BEGIN and COMMIT. All SQL is parameterised.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migratePostgres, schemaStatus } from './postgres-migrate';
import { StorageOpenError, type ServerStorage, type StorageReadiness } from './types';
import { createPostgresContext, type PostgresContext } from './postgres-context';
import { feedChannel, FeedNotifier } from './postgres-notify';
import { postgresRateLimiter } from './postgres-rate-limit';
import { postgresDevicesMethods } from './postgres-devices';
import { postgresTeamMethods } from './postgres-team';
import { postgresSyncMethods } from './postgres-sync';
import { postgresGovernanceMethods } from './postgres-governance';
import { postgresKeysMethods } from './postgres-keys';
import { postgresMetricsMethods } from './postgres-metrics';
import { withTx } from './postgres-helpers';
import { PgBlobStore } from '../blobs/pg-store';

export interface PostgresStorageOptions {
  connectionString: string;
  /** Schema to use instead of the role's default search_path (tests use a fresh one each). */
  schema?: string;
  poolSize?: number;
  /** Errors on idle pooled connections (e.g. the server restarted); without a handler they crash the process. */
  onPoolError?: (err: Error) => void;
  /** Each pull wake caused by another instance's commit: commit-to-wake milliseconds (metrics). */
  onWake?: (latencyMs: number) => void;
  /** The LISTEN connection failed or dropped (it reconnects by itself; /readyz says so meanwhile). */
  onListenError?: (err: Error) => void;
  /** false: no LISTEN connection (an operator command wakes no pulls; its NOTIFYs still go out). */
  listen?: boolean;
}

/** How long /readyz waits for the database. */
const READY_TIMEOUT_MS = 1000;

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
  let schema: string;
  try {
    await migrate(pool);
    schema = (await pool.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s ?? 'public';
  } catch (err) {
    await pool.end();
    if (err instanceof StorageOpenError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new StorageOpenError('DB_UNREACHABLE', `Cannot open PostgreSQL storage: ${msg}`);
  }
  const wake = { channel: feedChannel(schema), instance: randomBytes(6).toString('hex') };
  const ctx = createPostgresContext(pool, wake);
  const notifier = new FeedNotifier({
    connectionString: opts.connectionString,
    ...wake,
    feed: ctx.feed,
    ...(opts.onWake ? { onWake: opts.onWake } : {}),
    ...(opts.onListenError ? { onError: opts.onListenError } : {}),
  });
  if (opts.listen !== false) await notifier.start();
  return createPostgresRepository(ctx, notifier);
}

async function migrate(pool: pg.Pool): Promise<void> {
  await withTx(pool, migratePostgres);
}

/** Several instances on one database: readiness (with the LISTEN connection), shared rate buckets, and a close that ends the LISTEN connection too. */
function clusterMethods(
  ctx: PostgresContext,
  notifier: FeedNotifier,
  closePool: () => Promise<void>,
): Pick<ServerStorage, 'readiness' | 'rateLimiter' | 'close'> {
  return {
    async readiness(): Promise<StorageReadiness> {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS);
      });
      try {
        const s = await Promise.race([schemaStatus(ctx.pool), late]);
        return { db: s !== null, schema: s?.compatible ?? false, listen: notifier.connected };
      } catch {
        return { db: false, schema: false, listen: notifier.connected };
      } finally {
        clearTimeout(timer);
      }
    },
    rateLimiter: (opts, nowMs) => postgresRateLimiter(ctx.pool, opts, nowMs),
    async close() {
      await notifier.close();
      await closePool();
    },
  };
}

function createPostgresRepository(ctx: PostgresContext, notifier: FeedNotifier): ServerStorage {
  const { pool } = ctx;
  const devices = postgresDevicesMethods(ctx);
  const blobs = new PgBlobStore(pool);
  return {
    ...devices,
    ...postgresTeamMethods(ctx),
    ...postgresSyncMethods(ctx),
    ...postgresGovernanceMethods(ctx),
    ...postgresKeysMethods(ctx),
    ...postgresMetricsMethods(pool),
    ...clusterMethods(ctx, notifier, devices.close),
    blobStore: () => blobs,
  };
}
