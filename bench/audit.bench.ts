import { hash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createServices } from '../src/main/app/services';
import { AuditStore } from '../src/main/platform/audit/index';
import { canonicalJson } from '../src/shared/canonical';
import { auditEntryCanonical, auditEntryCanonicalOf } from '../src/shared/audit-hash';
import type { Db } from '../src/main/platform/db/connection';
import { emit, size } from './figure';
import { tempDir } from '../src/main/platform/test-utils';

const payload = (i: number) => ({ note: `inspection step ${i}`, site: 'site-7', values: [i, i * 2, i * 3], ok: i % 2 === 0 });

/** Reference: bare better-sqlite3 insert of the same canonical text + one-shot SHA-256, no app logic. */
function rawInsertRate(rows: number, perTx: number): number {
  const db = new Database(join(tempDir('maestro-bench-'), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, hash TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO t (seq, body, hash) VALUES (?, ?, ?)');
  const tx = db.transaction((from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      const body = canonicalJson(payload(i));
      ins.run(i, body, hash('sha256', body, 'hex'));
    }
  });
  const t = performance.now();
  for (let i = 0; i < rows; i += perTx) tx(i + 1, perTx);
  const rate = rows / ((performance.now() - t) / 1000);
  db.close();
  return rate;
}

/**
 * audit.append.batch: entries/s through the app's audit service, 1,000 per transaction; `atRestKey`
 * encrypts the database (bench/atrest.bench.ts compares the two).
 */
export function appendBatchRate(batches = size(50, 2), atRestKey?: Buffer): number {
  const s = createServices({ dataDir: tempDir('maestro-bench-'), host: 'web', ...(atRestKey ? { atRestKey } : {}) });
  const t = performance.now();
  for (let b = 0; b < batches; b++) {
    s.audit.appendMany(
      Array.from({ length: 1000 }, (_, i) => ({ actor: 'service:bench', action: 'bench.step', subject: `b${b}`, payload: payload(b * 1000 + i) })),
    );
  }
  const rate = (batches * 1000) / ((performance.now() - t) / 1000);
  s.close();
  return rate;
}

/**
 * Bench fixture, not the app's path: `n` more chain entries written straight into audit_log in large
 * transactions, each hashed exactly as the app hashes (canonical payload, auditEntryCanonicalOf,
 * SHA-256), so a 1M-entry log takes seconds to build. The chain it leaves verifies like any other.
 */
function bulkFill(db: Db, n: number, perTx = 50_000): void {
  const head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  const ins = db.prepare('INSERT INTO audit_log (seq, ts, actor, action, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? '0'.repeat(64);
  const ts = new Date().toISOString();
  const tx = db.transaction((count: number) => {
    for (let i = 0; i < count; i++) {
      seq += 1;
      const subject = `site-${seq % 97}`;
      const body = canonicalJson(payload(seq));
      const h = hash('sha256', auditEntryCanonicalOf(seq, ts, 'service:bench', 'bench.step', subject, prev, body), 'hex');
      ins.run(seq, ts, 'service:bench', 'bench.step', subject, body, prev, h);
      prev = h;
    }
  });
  for (let done = 0; done < n; done += perTx) tx(Math.min(perTx, n - done));
}

/**
 * audit.verify.1m (issue 20, the year-scale profile): the app's own verification (verifyWithProgress,
 * what the audit.verify channel and the start-up check run) over 1,000,000 entries, timed end to end
 * with its progress events; ref = raw one-shot SHA-256 over the same canonical bytes, in seconds.
 */
async function verifyMillion(): Promise<void> {
  const s = createServices({ dataDir: tempDir('maestro-bench-'), host: 'web' });
  const total = size(1_000_000, 10_000);
  bulkFill(s.db, total);
  const held = s.db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS head FROM audit_log').get() as { n: number; head: number };
  const progress: number[] = [];
  const off = s.events.subscribe((name, p) => {
    if (name === 'audit.verify.progress') progress.push((p as { checked: number }).checked);
  });
  const t = performance.now();
  const r = await s.audit.verifyWithProgress();
  const seconds = (performance.now() - t) / 1000;
  off();
  if (!r.valid || r.checked !== held.n || r.head?.seq !== held.head)
    throw new Error(
      `verify 1m bench: ${JSON.stringify({ valid: r.valid, checked: r.checked, head: r.head?.seq, firstBad: r.firstBad })}, the chain holds ${held.n}`,
    );
  const monotonic = progress.every((x, i) => i === 0 || x >= progress[i - 1]!);
  if (progress.length < 2 || !monotonic || progress.at(-1) !== held.n)
    throw new Error(`verify 1m bench: progress ${progress.length} events, last ${progress.at(-1)}`);
  // Reference: the same canonical bytes, read a page at a time as the app does, hashed with nothing else around them.
  const page = s.db.prepare('SELECT seq, ts, actor, action, subject, payload, prev_hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 4096').raw(true);
  let refSeconds = 0;
  for (let after = 0; ;) {
    const rows = page.all(after) as [number, string, string, string, string, string, string][];
    if (rows.length === 0) break;
    const bytes = rows.map((x) => auditEntryCanonicalOf(x[0], x[1], x[2], x[3], x[4], x[6], x[5]));
    const t2 = performance.now();
    for (const b of bytes) hash('sha256', b, 'hex');
    refSeconds += (performance.now() - t2) / 1000;
    after = rows[rows.length - 1]![0];
  }
  s.close();
  emit({
    name: 'audit.verify.1m',
    value: seconds,
    unit: 's',
    ref: refSeconds,
    refName: 'raw one-shot SHA-256 over the same canonical bytes, s',
    target: '< 5',
    decimals: 3,
  });
}

export async function run(): Promise<void> {
  // audit.append.batch: 1,000 entries per transaction.
  {
    const batches = size(50, 2);
    const rate = appendBatchRate(batches);
    emit({
      name: 'audit.append.batch',
      value: rate,
      unit: 'entries/s',
      ref: rawInsertRate(batches * 1000, 1000),
      refName: 'raw better-sqlite3 insert + sha256, 1,000/tx',
      target: '>= 120000',
    });
  }
  // audit.append.single: each append its own committed transaction.
  {
    const s = createServices({ dataDir: tempDir('maestro-bench-'), host: 'web' });
    const n = size(5000, 100);
    const t = performance.now();
    for (let i = 0; i < n; i++) s.audit.append({ actor: 'service:bench', action: 'bench.step', subject: 'single', payload: payload(i) });
    const rate = n / ((performance.now() - t) / 1000);
    s.close();
    emit({
      name: 'audit.append.single',
      value: rate,
      unit: 'entries/s',
      ref: rawInsertRate(n, 1),
      refName: 'raw better-sqlite3 insert + sha256, 1/tx',
      target: '>= 25000',
    });
  }
  // audit.verify over 200,000 bench entries (plus the services' own); ref = raw SHA-256 over the same canonical bytes.
  {
    const s = createServices({ dataDir: tempDir('maestro-bench-'), host: 'web' });
    const total = size(200_000, 2_000);
    const per = size(5000, 500);
    for (let b = 0; b < total / per; b++) {
      s.audit.appendMany(
        Array.from({ length: per }, (_, i) => ({ actor: 'service:bench', action: 'bench.step', subject: `b${b}`, payload: payload(b * per + i) })),
      );
    }
    // What the chain really holds: the services write entries of their own at start (built-in
    // bundles installed), so the bench's inserts are a lower bound, not the count.
    const held = s.db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS head FROM audit_log').get() as { n: number; head: number };
    const store = new AuditStore(s.db);
    const t = performance.now();
    const r = store.verify(null, new Date().toISOString());
    const rate = r.checked / ((performance.now() - t) / 1000);
    if (!r.valid) throw new Error(`verify bench: chain not valid (first bad entry ${JSON.stringify(r.firstBad)})`);
    if (r.checked !== held.n || r.head?.seq !== held.head || held.n < total)
      throw new Error(
        `verify bench: checked ${r.checked} entries up to seq ${r.head?.seq}, the chain holds ${held.n} up to ${held.head} (${total} inserted here)`,
      );
    // Reference: the same canonical entry bytes, hashed with nothing else around them.
    const bytes = (
      s.db.prepare('SELECT seq, ts, actor, action, subject, payload, prev_hash FROM audit_log ORDER BY seq').all() as {
        seq: number;
        ts: string;
        actor: string;
        action: string;
        subject: string;
        payload: string;
        prev_hash: string;
      }[]
    ).map((x) => auditEntryCanonical({ seq: x.seq, ts: x.ts, actor: x.actor, action: x.action, subject: x.subject, prevHash: x.prev_hash }, x.payload));
    const t2 = performance.now();
    for (const b of bytes) hash('sha256', b, 'hex');
    const ref = bytes.length / ((performance.now() - t2) / 1000);
    s.close();
    emit({ name: 'audit.verify', value: rate, unit: 'entries/s', ref, refName: 'raw one-shot SHA-256 over the same canonical bytes', target: '>= 250000' });
  }
  await verifyMillion();
}
