// `maestro-server after-restore [--gap N]`: run once on a database restored from a backup, before
// any instance serves from it (docs/operations.md). Devices hold numbers the server handed out after
// the backup was taken: pull cursors (team_feed.seq), receipts (sync_items.server_seq) and, for an
// operator, verify-audit anchors (server_audit.seq). The restored sequences would hand those numbers
// out again: a new feed row at or below a device's cursor is never pulled, and a new receipt would
// name a serverSeq another receipt already names. This moves each sequence past MAX(column) by `gap`
// (default 1e9: more rows than any server writes between a backup and the restore; the wire allows
// seqs up to 15 digits, room for a million restores), writes a `server.restored` audit row and
// prints what it did. Idempotent: when the newest audit row is that row and no row was written above
// the numbers it records, it changes nothing. Sequences only move forward.
// PostgreSQL: setval on the serial sequences. SQLite (a file copy restored): the sqlite_sequence
// rows of the AUTOINCREMENT tables, which both the storage and the audit chain take their next seq from.
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../config';
import { sqliteAuditWriter } from '../storage/audit-chain-sqlite';
import { auditPostgres } from '../storage/audit-chain-postgres';
import { withTx, type Queryable } from '../storage/postgres-helpers';
import { PG_TYPE_PARSERS } from '../storage/postgres';
import type { AuditInput } from '../storage/types';

export interface AfterRestoreCommand {
  name: 'after-restore';
  gap: number;
}

export const DEFAULT_RESTORE_GAP = 1_000_000_000;
const MAX_GAP = 1_000_000_000_000;
const ACTION = 'server.restored';

/** The columns whose numbers devices or operators hold, and the serial sequence behind each. */
const SEQUENCED = [
  { table: 'team_feed', column: 'seq', why: 'pull cursors' },
  { table: 'sync_items', column: 'server_seq', why: 'receipts (serverSeq) and feed items' },
  { table: 'server_audit', column: 'seq', why: 'verify-audit anchors' },
] as const;

type Table = (typeof SEQUENCED)[number]['table'];

/** What was done to one sequence: the column's MAX and the value the sequence now stands at (next = to + 1). */
interface Moved {
  table: Table;
  max: number;
  from: number;
  to: number;
}

/** Parses the arguments after `after-restore`; throws `usage(message)` on bad ones. */
export function parseAfterRestore(args: readonly string[], usage: (message: string) => Error): AfterRestoreCommand {
  let gap: string | undefined;
  try {
    gap = parseArgs({ args: [...args], strict: true, options: { gap: { type: 'string' } } }).values.gap;
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (gap === undefined) return { name: 'after-restore', gap: DEFAULT_RESTORE_GAP };
  if (!/^[1-9]\d{0,12}$/.test(gap) || Number(gap) < 1000 || Number(gap) > MAX_GAP) throw usage(`--gap: a whole number from 1000 to ${MAX_GAP}`);
  return { name: 'after-restore', gap: Number(gap) };
}

/** The backend's view of the sequences and the audit log, inside one transaction. */
interface Backend {
  name: 'postgres' | 'sqlite';
  max(table: Table): Promise<number>;
  /** The highest value the sequence has handed out (0: none). */
  position(table: Table): Promise<number>;
  set(table: Table, value: number): Promise<void>;
  newestAudit(): Promise<{ seq: number; action: string; payload: string } | null>;
  audit(a: AuditInput): Promise<void>;
}

/** The numbers a previous run recorded, when nothing was written above them since; else null. */
async function alreadyDone(b: Backend): Promise<{ seq: number; moved: Moved[] } | null> {
  const last = await b.newestAudit();
  if (!last || last.action !== ACTION) return null;
  const moved = (JSON.parse(last.payload) as { sequences?: Moved[] }).sequences ?? [];
  for (const s of SEQUENCED) {
    const m = moved.find((x) => x.table === s.table);
    // The audit row itself sits above the recorded server_audit value: that is the run's own row.
    if (!m || (await b.max(s.table)) > (s.table === 'server_audit' ? last.seq : m.to)) return null;
  }
  return { seq: last.seq, moved };
}

async function moveSequences(b: Backend, gap: number, now: Date): Promise<{ out: string[]; code: number }> {
  const done = await alreadyDone(b);
  if (done) {
    return { out: [`already done: server_audit seq ${done.seq} (${ACTION}) and nothing written since; nothing changed`, ...done.moved.map(line)], code: 0 };
  }
  const moved: Moved[] = [];
  for (const s of SEQUENCED) {
    const [max, from] = [await b.max(s.table), await b.position(s.table)];
    // From the higher of the two: never backwards, even if the sequence was ahead of its rows.
    const to = Math.max(max, from) + gap;
    await b.set(s.table, to);
    moved.push({ table: s.table, max, from, to });
  }
  await b.audit({ ts: now.toISOString(), actor: 'cli', action: ACTION, subject: b.name, payload: { gap, sequences: moved } });
  return { out: [`restored database prepared (${b.name}, gap ${gap}); audit: ${ACTION}`, ...moved.map(line)], code: 0 };
}

const line = (m: Moved): string => {
  const s = SEQUENCED.find((x) => x.table === m.table)!;
  return `${s.table}.${s.column}: max ${m.max}, sequence ${m.from} -> ${m.to} (next ${m.to + 1}; ${s.why})`;
};

function postgresBackend(c: Queryable): Backend {
  const col = (t: Table): string => SEQUENCED.find((s) => s.table === t)!.column;
  // Table and column names come from SEQUENCED (constants), never from input.
  const seqName = async (t: Table): Promise<string> => (await c.query<{ s: string }>('SELECT pg_get_serial_sequence($1, $2) AS s', [t, col(t)])).rows[0]!.s;
  return {
    name: 'postgres',
    max: async (t) => Number((await c.query<{ m: string }>(`SELECT COALESCE(MAX(${col(t)}), 0) AS m FROM ${t}`)).rows[0]!.m),
    position: async (t) => {
      // NULL until the sequence first handed out a value.
      const r = await c.query<{ v: string | null }>('SELECT pg_sequence_last_value($1::regclass) AS v', [await seqName(t)]);
      return Number(r.rows[0]?.v ?? 0);
    },
    set: async (t, v) => void (await c.query('SELECT setval($1::regclass, $2, true)', [await seqName(t), v])),
    newestAudit: async () => {
      const r = await c.query<{ seq: string; action: string; payload: string }>(
        'SELECT seq, action, payload::text AS payload FROM server_audit ORDER BY seq DESC LIMIT 1',
      );
      const row = r.rows[0];
      return row ? { seq: Number(row.seq), action: row.action, payload: row.payload } : null;
    },
    audit: (a) => auditPostgres(c, a),
  };
}

function sqliteBackend(db: Database.Database): Backend {
  const col = (t: Table): string => SEQUENCED.find((s) => s.table === t)!.column;
  const writer = sqliteAuditWriter(db);
  const position = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck();
  return {
    name: 'sqlite',
    max: (t) =>
      Promise.resolve(
        Number(
          db
            .prepare(`SELECT COALESCE(MAX(${col(t)}), 0) FROM ${t}`)
            .pluck()
            .get(),
        ),
      ),
    position: (t) => Promise.resolve(Number(position.get(t) ?? 0)),
    set: (t, v) => {
      if (db.prepare('UPDATE sqlite_sequence SET seq = ? WHERE name = ?').run(v, t).changes === 0) {
        db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(t, v);
      }
      return Promise.resolve();
    },
    newestAudit: () => Promise.resolve((db.prepare('SELECT seq, action, payload FROM server_audit ORDER BY seq DESC LIMIT 1').get() as never) ?? null),
    audit: (a) => Promise.resolve(writer.audit(a)),
  };
}

/** Runs against the configured database (the one `serve` uses), in one transaction. */
export async function runAfterRestore(cmd: AfterRestoreCommand, env: NodeJS.ProcessEnv, now: Date): Promise<{ out: string[]; code: number }> {
  const config = loadConfig(env);
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 1, types: PG_TYPE_PARSERS });
    try {
      return await withTx(pool, (c) => moveSequences(postgresBackend(c), cmd.gap, now));
    } finally {
      await pool.end();
    }
  }
  const db = new Database(config.dbPath, { fileMustExist: true });
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = await moveSequences(sqliteBackend(db), cmd.gap, now);
      db.exec('COMMIT');
      return result;
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  } finally {
    db.close();
  }
}
