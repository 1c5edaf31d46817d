// `maestro-server verify-audit [--anchor SEQ:HASH]`: walks server_audit in seq order (keyset pages,
// progress on stderr for big tables) and checks the hash chain (storage/audit-chain.ts). Prints
// `ok: …` (exit 0) or the first bad row (exit 1). --anchor checks a head recorded earlier outside
// the database: without one, cutting rows off the end of the log cannot be told from a shorter log.
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../config';
import { verifyAuditChain, VERIFY_PAGE_ROWS, type AuditAnchor, type AuditPageReader, type AuditVerification } from '../storage/audit-chain';
import { postgresAuditReader } from '../storage/audit-chain-postgres';
import { sqliteAuditReader } from '../storage/audit-chain-sqlite';
import { PG_TYPE_PARSERS } from '../storage/postgres';

export interface VerifyAuditCommand {
  name: 'verify-audit';
  anchor: AuditAnchor | null;
}

/** Parses the arguments after `verify-audit`; throws `usage(message)` on bad ones. */
export function parseVerifyAudit(args: readonly string[], usage: (message: string) => Error): VerifyAuditCommand {
  let anchor: string | undefined;
  try {
    anchor = parseArgs({ args: [...args], strict: true, options: { anchor: { type: 'string' } } }).values.anchor;
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (anchor === undefined) return { name: 'verify-audit', anchor: null };
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(anchor);
  if (!m) throw usage('--anchor: must be SEQ:HASH (the seq and 64-hex hash of a head recorded earlier)');
  return { name: 'verify-audit', anchor: { seq: Number(m[1]), hash: m[2]! } };
}

/** The lines to print for a verification, and the exit code. */
export function reportVerification(v: AuditVerification): { out: string[]; code: number } {
  if (v.firstBad) return { out: [`first bad row: seq ${v.firstBad.seq} (${v.firstBad.fault}): ${v.firstBad.message}`], code: 1 };
  const head = v.head ? `head seq ${v.head.seq} hash ${v.head.hash}` : 'no chained row yet';
  const out = [`ok: ${v.rows} rows (${v.chained} chained, ${v.sealed} sealed from before the chain), ${head}`];
  if (v.unsealed) {
    out.push(
      `note: ${v.unsealed.rows} rows after the head (seq ${v.unsealed.fromSeq}..${v.unsealed.toSeq}) have no hash yet: written before the chain or by a server without it; the next audited write seals them`,
    );
  }
  return { out, code: 0 };
}

/** Opens a read connection to the configured database (the one `serve` uses). */
function openReader(env: NodeJS.ProcessEnv): { read: AuditPageReader; close: () => Promise<void> } {
  const config = loadConfig(env);
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 1, types: PG_TYPE_PARSERS });
    return { read: postgresAuditReader(pool), close: () => pool.end() };
  }
  const db = new Database(config.dbPath, { readonly: true, fileMustExist: true });
  return { read: sqliteAuditReader(db), close: () => Promise.resolve(void db.close()) };
}

export async function runVerifyAudit(
  cmd: VerifyAuditCommand,
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
): Promise<{ out: string[]; code: number }> {
  const { read, close } = openReader(env);
  try {
    const v = await verifyAuditChain(read, {
      anchor: cmd.anchor,
      onPage: (rows, lastSeq) => {
        if (rows >= VERIFY_PAGE_ROWS) progress(`verify-audit: ${rows} rows read (up to seq ${lastSeq})`);
      },
    });
    return reportVerification(v);
  } finally {
    await close();
  }
}
