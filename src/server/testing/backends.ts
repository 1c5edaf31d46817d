// Storage backends for the integration suite: each opens a fresh, isolated database and can
// inspect it with raw SQL, so tests assert on rows rather than on the repository's own answers.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStorage, PG_TYPE_PARSERS } from '../storage/postgres';
import { openSqliteStorage } from '../storage/sqlite';
import type { ServerStorage } from '../storage/types';

export interface TestDb {
  storage: ServerStorage;
  /** Raw SQL against the same database; placeholders are $1, $2, … in order, on both backends. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** A raw write on another connection (tests that stage states the API cannot reach, e.g. a pre-migration row). */
  write(sql: string, params?: unknown[]): Promise<void>;
  /** Environment for a `main.ts` subprocess that must open this same database. */
  cliEnv(): Record<string, string>;
  /** A temp dir that lives as long as the database (for key files and the like). */
  dir: string;
  dispose(): Promise<void>;
}

export interface TestBackend {
  label: string;
  /** Why this backend cannot run here, or null. */
  skipReason(): string | null;
  open(): Promise<TestDb>;
}

export const sqliteBackend: TestBackend = {
  label: 'SQLite',
  skipReason: () => null,
  open: () => {
    const dir = mkdtempSync(join(tmpdir(), 'maestro-srv-'));
    const dbPath = join(dir, 'server.db');
    const storage = openSqliteStorage(dbPath);
    // A second connection, like an operator's sqlite3 shell: sees only committed data.
    const inspector = new Database(dbPath, { readonly: true });
    return Promise.resolve({
      storage,
      dir,
      query: (sql, params = []) => Promise.resolve(inspector.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as Record<string, unknown>[]),
      write: (sql, params = []) => {
        const w = new Database(dbPath);
        try {
          w.prepare(sql.replace(/\$\d+/g, '?')).run(...params);
        } finally {
          w.close();
        }
        return Promise.resolve();
      },
      cliEnv: () => ({ MAESTRO_SERVER_DB: dbPath }),
      dispose: async () => {
        inspector.close();
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  },
};

export const PG_URL_ENV = 'MAESTRO_TEST_DATABASE_URL';
export const PG_SKIP_REASON = `PostgreSQL not available (set ${PG_URL_ENV})`;

/** Each open() gets its own schema (dropped on dispose), so tests never see each other's rows. */
export function postgresBackend(url: string | undefined = process.env[PG_URL_ENV]): TestBackend {
  return {
    label: 'PostgreSQL',
    skipReason: () => (url ? null : PG_SKIP_REASON),
    open: async () => {
      if (!url) throw new Error(PG_SKIP_REASON);
      const schema = `maestro_t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Pool({ connectionString: url, max: 2 });
      await admin.query(`CREATE SCHEMA ${schema}`);
      // Same type parsers as the storage, so rows read alike on both backends (numbers, ISO times).
      const inspector = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}`, types: PG_TYPE_PARSERS });
      let storage: ServerStorage;
      try {
        storage = await openPostgresStorage({ connectionString: url, schema, poolSize: 4 });
      } catch (err) {
        await inspector.end();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
        throw err;
      }
      const dir = mkdtempSync(join(tmpdir(), 'maestro-srv-pg-'));
      return {
        storage,
        dir,
        query: async (sql, params = []) => (await inspector.query(sql, params)).rows as Record<string, unknown>[],
        write: async (sql, params = []) => {
          await inspector.query(sql, params);
        },
        cliEnv: () => {
          const u = new URL(url);
          u.searchParams.set('options', `-c search_path=${schema}`);
          return { DATABASE_URL: u.toString(), MAESTRO_SERVER_DB: join(dir, 'unused.db') };
        },
        dispose: async () => {
          await storage.close();
          await inspector.end();
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.end();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}
