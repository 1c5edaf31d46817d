import { hash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createServices } from '../src/main/app/services';
import { AuditStore } from '../src/main/platform/audit/index';
import { canonicalJson } from '../src/shared/canonical';
import { auditEntryCanonical } from '../src/shared/audit-hash';
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

export function run(): void {
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
      target: '>= 20000',
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
      target: '>= 2000',
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
    emit({ name: 'audit.verify', value: rate, unit: 'entries/s', ref, refName: 'raw one-shot SHA-256 over the same canonical bytes', target: '>= 100000' });
  }
}
