// ingestBatch on both backends as the batch paths do it (SQLite: batches classified at once, signed
// while earlier ones write, one transaction each in order; PostgreSQL: one query per step for the
// whole batch): the same answers, rows and audit chain as items sent one by one, exactly once under
// concurrent batches that share keys and cards, and nothing stored by a batch whose signing fails.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresBackend, sqliteBackend, type TestBackend, type TestDb } from '../testing/backends';
import { verifyAuditChain, type AuditPageReader } from './audit-chain';
import { postgresAuditReader } from './audit-chain-postgres';
import { sqliteAuditReader } from './audit-chain-sqlite';
import { PG_TYPE_PARSERS } from './postgres';
import type { IngestOutcome, IngestRequest, NewItem } from './types';

const AT = '2025-03-01T12:00:00.000Z';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function item(n: number, body = `body-${n}`, over: Partial<NewItem> = {}): NewItem {
  const ciphertext = Buffer.from(body);
  return {
    idempotencyKey: sha(`key-${n}`),
    contract: 'x.y.z@1.0.0',
    kind: 'record',
    createdAt: AT,
    keyVersion: 1,
    ciphertext,
    iv: 'iv',
    tag: 'tag',
    contentHash: sha(ciphertext),
    ...over,
  };
}

/** A deterministic receipt and signature, after a random short delay so concurrent batches interleave. */
function request(device: string, items: NewItem[], opts: { failSigning?: boolean; user?: string } = {}): IngestRequest {
  return {
    tenant: 't',
    device,
    user: opts.user ?? 'u',
    appVersion: '1',
    receivedAt: AT,
    items,
    receiptFor: (it, seq) => ({ json: JSON.stringify({ key: it.idempotencyKey, seq, device }), signingBytes: `bytes:${it.idempotencyKey}:${seq}` }),
    signingBytesOf: (json) => {
      const r = JSON.parse(json) as { key: string; seq: number };
      return `bytes:${r.key}:${r.seq}`;
    },
    sign: async (ms) => {
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      if (opts.failSigning) throw new Error('signer died');
      return ms.map((m) => `sig(${m})`);
    },
  };
}

async function openWithDevices(backend: TestBackend, ...ids: string[]): Promise<TestDb> {
  const db = await backend.open();
  for (const id of ids) {
    const roles = backend.label === 'PostgreSQL' ? ['reviewer'] : '["reviewer"]';
    await db.write('INSERT INTO devices (id, tenant, user_id, roles, name, public_key, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      id,
      't',
      'u',
      roles,
      'n',
      'k',
      AT,
    ]);
  }
  return db;
}

async function auditOk(db: TestDb): Promise<{ ok: boolean; rows: number }> {
  const env = db.cliEnv();
  let read: AuditPageReader;
  let close: () => Promise<void>;
  if (env.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1, types: PG_TYPE_PARSERS });
    read = postgresAuditReader(pool);
    close = () => pool.end();
  } else {
    const r = new Database(env.MAESTRO_SERVER_DB!, { readonly: true });
    read = sqliteAuditReader(r);
    close = () => Promise.resolve(void r.close());
  }
  try {
    const v = await verifyAuditChain(read);
    return { ok: v.ok, rows: v.rows };
  } finally {
    await close();
  }
}

interface ItemRow {
  server_seq: number;
  device: string;
  idempotency_key: string;
  content_hash: string;
  receipt_json: string;
  receipt_sig: string;
  subject: string | null;
}
const rowsOf = async (db: TestDb) =>
  (await db.query('SELECT server_seq, device, idempotency_key, content_hash, receipt_json, receipt_sig, subject FROM sync_items ORDER BY server_seq')).map(
    (r): ItemRow => ({ ...(r as Omit<ItemRow, 'server_seq'>), server_seq: Number(r.server_seq) }),
  );
const auditRowsOf = async (db: TestDb) =>
  (await db.query("SELECT seq, subject, payload, prev_hash, hash FROM server_audit WHERE action = 'sync.item.stored' ORDER BY seq")).map((r) => ({
    seq: Number(r.seq),
    subject: r.subject,
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as unknown) : r.payload,
  }));

describe.each([sqliteBackend, postgresBackend()])('batch ingest ($label)', (backend) => {
  const skip = backend.skipReason();
  const opened: TestDb[] = [];
  const open = async (...ids: string[]) => {
    const db = await openWithDevices(backend, ...ids);
    opened.push(db);
    return db;
  };
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.dispose();
  });

  it.skipIf(skip)('one batch answers and stores exactly what the same items sent one by one do', async () => {
    // In-batch duplicate (same key, same bytes), in-batch conflict (same key, other bytes), a resend.
    const items = [item(1), item(2), item(1), item(3), item(2, 'other'), item(4)];
    const whole = await open('d1');
    const single = await open('d1');
    const outWhole = await whole.storage.ingestBatch(request('d1', items));
    const outSingle: IngestOutcome[] = [];
    for (const it of items) outSingle.push(...(await single.storage.ingestBatch(request('d1', [it]))));
    expect(outWhole).toEqual(outSingle);
    expect(outWhole.map((o) => o.status)).toEqual(['accepted', 'accepted', 'duplicate', 'accepted', 'conflict', 'accepted']);
    expect(await rowsOf(whole)).toEqual(await rowsOf(single));
    // Resent: every answer is the stored receipt.
    expect(await whole.storage.ingestBatch(request('d1', items))).toEqual(outWhole.map((o) => (o.status === 'accepted' ? { ...o, status: 'duplicate' } : o)));
    for (const db of [whole, single]) {
      expect((await rowsOf(db)).every((r) => r.receipt_sig === `sig(bytes:${String(r.idempotency_key)}:${r.server_seq})`)).toBe(true);
      expect(await auditOk(db)).toMatchObject({ ok: true });
    }
    const audit = await auditRowsOf(whole);
    expect(audit.map((a) => a.subject)).toEqual([1, 2, 3, 4].map((n) => item(n).idempotencyKey));
    expect(audit).toEqual(await auditRowsOf(single));
  });

  it.skipIf(skip)('concurrent batches sharing keys store each key once and answer it with the stored receipt everywhere', async () => {
    const db = await open('d1', 'd2');
    const keys = Array.from({ length: 30 }, (_, n) => item(n));
    const batches = [
      request('d1', keys.slice(0, 20)),
      request('d1', [...keys.slice(10, 30), item(5, 'other')]),
      request('d1', keys),
      request('d2', keys.slice(25, 30)),
      request('d1', [...keys].reverse()),
    ];
    const outs = await Promise.all(batches.map((b) => db.storage.ingestBatch(b)));
    const rows = await rowsOf(db);
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((r) => r.server_seq)).size).toBe(30);
    const byKey = new Map(rows.map((r) => [r.idempotency_key, r]));
    let accepted = 0;
    outs.forEach((out, b) =>
      out.forEach((o, i) => {
        const it = batches[b]!.items[i]!;
        const row = byKey.get(it.idempotencyKey)!;
        if (row.content_hash !== it.contentHash) return expect(o).toEqual({ status: 'conflict', storedContentHash: row.content_hash });
        expect(o.status === 'accepted' || o.status === 'duplicate').toBe(true);
        if (o.status === 'accepted') accepted += 1;
        expect(o).toMatchObject({ receipt: { json: row.receipt_json, signature: row.receipt_sig } });
      }),
    );
    expect(accepted).toBe(30);
    expect(rows.every((r) => r.receipt_sig === `sig(bytes:${String(r.idempotency_key)}:${r.server_seq})`)).toBe(true);
    const audit = await auditRowsOf(db);
    expect(audit).toHaveLength(30);
    // One chained row per stored item. SQLite commits batches in server_seq order, so the chain is in
    // that order too; PostgreSQL's concurrent transactions chain in commit order.
    const audited = audit.map((a) => (a.payload as { serverSeq: number }).serverSeq);
    if (backend.label === 'PostgreSQL') audited.sort((a, b) => a - b);
    expect(audited).toEqual(rows.map((r) => r.server_seq));
    expect(await auditOk(db)).toMatchObject({ ok: true });
  });

  it.skipIf(skip)('concurrent approvals for one card: the first stored wins, the others are decided against it', async () => {
    const db = await open('d1', 'd2');
    const approval = (n: number) => item(100 + n, `approval-${n}`, { kind: 'approval', subject: 'card-1', keyScope: 'tenant', to: 'd1' });
    const outs = await Promise.all([
      db.storage.ingestBatch(request('d1', [approval(1), item(1)])),
      db.storage.ingestBatch(request('d2', [approval(2)], { user: 'v' })),
      db.storage.ingestBatch(request('d1', [approval(3), approval(1)])),
    ]);
    const stored = (await rowsOf(db)).filter((r) => r.subject === 'card-1');
    expect(stored).toHaveLength(1);
    const winner = stored[0]!;
    const claim = (await db.query('SELECT idempotency_key, device, server_seq FROM approval_claims'))[0]!;
    expect({ key: claim.idempotency_key, device: claim.device, seq: Number(claim.server_seq) }).toEqual({
      key: winner.idempotency_key,
      device: winner.device,
      seq: winner.server_seq,
    });
    for (const o of [outs[0]![0]!, outs[1]![0]!, outs[2]![0]!, outs[2]![1]!]) {
      if (o.status === 'decided') expect(o.winner).toMatchObject({ device: winner.device, serverSeq: winner.server_seq, receivedAt: AT });
      else expect(o).toMatchObject({ receipt: { json: winner.receipt_json, signature: winner.receipt_sig } });
    }
    expect(await auditOk(db)).toMatchObject({ ok: true });
  });

  it.skipIf(skip)('a batch whose signing fails stores nothing; a concurrent batch waiting on its keys fails too; resends store everything once', async () => {
    const db = await open('d1');
    const failing = db.storage.ingestBatch(request('d1', [item(1), item(2)], { failSigning: true }));
    const waiting = db.storage.ingestBatch(request('d1', [item(2), item(3)]));
    await expect(failing).rejects.toThrow('signer died');
    // On SQLite the second batch waited for the first's keys; on PostgreSQL it stands alone.
    const second = await waiting.then(
      (o) => o,
      (e: Error) => e,
    );
    if (second instanceof Error) expect(second.message).toBe('signer died');
    const keysNow = (await rowsOf(db)).map((r) => r.idempotency_key);
    expect(keysNow).not.toContain(item(1).idempotencyKey);
    const again = await db.storage.ingestBatch(request('d1', [item(1), item(2), item(3)]));
    expect(again.every((o) => o.status === 'accepted' || o.status === 'duplicate')).toBe(true);
    const rows = await rowsOf(db);
    expect(rows.map((r) => r.idempotency_key).sort()).toEqual([1, 2, 3].map((n) => item(n).idempotencyKey).sort());
    expect(rows.every((r) => r.receipt_sig !== '')).toBe(true);
    expect(await auditOk(db)).toMatchObject({ ok: true, rows: expect.any(Number) as number });
    expect(await auditRowsOf(db)).toHaveLength(3);
  });
});
