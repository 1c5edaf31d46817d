// The append paths write the chain format of docs/decisions/0002-audit-chain.md byte for byte: the
// same rows as the straightforward implementation they replaced (kept here as the reference), and
// chains written by either verify with the other's verifier.
import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { openDatabase, type Db } from '../db/connection';
import { canonicalJson } from '../../../shared/canonical';
import { GENESIS_PREV_HASH } from '../../../shared/audit-hash';
import { AUDIT_COUNT_CAP, AuditStore, type NewAuditEntry } from './audit-store';

const TS = '2026-03-01T10:00:00.000Z';
const sha = (s: string) => hash('sha256', s, 'hex');

/** The append loop as it was: one row at a time, hash = SHA-256 of the whole entry's canonical JSON. */
function referenceAppend(db: Db, entries: NewAuditEntry[], ts: string): void {
  const head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  const ins = db.prepare('INSERT INTO audit_log (seq, ts, actor, action, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS_PREV_HASH;
  db.transaction(() => {
    for (const e of entries) {
      seq += 1;
      const subject = e.subject ?? '';
      const h = sha(canonicalJson({ seq, ts, actor: e.actor, action: e.action, subject, payload: e.payload, prevHash: prev }));
      ins.run(seq, ts, e.actor, e.action, subject, canonicalJson(e.payload), prev, h);
      prev = h;
    }
  })();
}

/** The verifier as the format defines it: every row re-hashed from its parsed payload, every link followed. */
function referenceVerify(db: Db): { valid: boolean; checked: number } {
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Record<string, string | number>[];
  let prev = GENESIS_PREV_HASH;
  let checked = 0;
  for (const r of rows) {
    const body = {
      seq: r.seq,
      ts: r.ts,
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      payload: JSON.parse(r.payload as string) as unknown,
      prevHash: r.prev_hash,
    };
    if (r.seq !== checked + 1 || r.prev_hash !== prev || sha(canonicalJson(body)) !== r.hash) return { valid: false, checked };
    prev = r.hash as string;
    checked++;
  }
  return { valid: true, checked };
}

/** Awkward content on purpose: escapes, non-ASCII, astral characters, nested and empty values, no subject. */
function entries(n: number, from = 0): NewAuditEntry[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      actor: i % 3 ? `user:${i % 5}` : 'service:"quoted"\\',
      action: i % 2 ? 'note.added' : 'run.step\u00e9',
      ...(i % 7 ? { subject: `s-${i}\n\t😀` } : {}),
      payload: { z: i, a: [i, -0.5, 1e21, null, true], n: { é: 'x', '\u0001': '', '😀': [] }, s: `line ${i}\u2028` },
    };
  });
}

const allRows = (db: Db) => db.prepare('SELECT * FROM audit_log ORDER BY seq').all();

describe('audit append paths', () => {
  // Sizes around the multi-row insert (32 rows a statement): below, at, across and well past it.
  const batches = [1, 31, 32, 33, 64, 100, 1, 7, 250];

  it('batch and single appends store exactly the rows the reference implementation stores', () => {
    const batchDb = openDatabase(':memory:');
    const singleDb = openDatabase(':memory:');
    const refDb = openDatabase(':memory:');
    const store = new AuditStore(batchDb);
    const single = new AuditStore(singleDb);
    let from = 0;
    for (const n of batches) {
      const es = entries(n, from);
      const out = store.appendMany(es, TS);
      for (const e of es) single.appendMany([e], TS);
      referenceAppend(refDb, es, TS);
      // What a caller gets back is what was stored, keys in the order callers have always seen.
      expect(out.map((e) => Object.keys(e))).toEqual(out.map(() => ['seq', 'ts', 'actor', 'action', 'subject', 'prevHash', 'payload', 'hash']));
      expect(out.map((e) => e.payload)).toEqual(es.map((e) => e.payload));
      expect(out.map((e) => ({ ...e, payload: canonicalJson(e.payload) }))).toEqual(
        store
          .list({ limit: n })
          .entries.reverse()
          .map((e) => ({ ...e, payload: canonicalJson(e.payload) })),
      );
      from += n;
    }
    const ref = allRows(refDb);
    expect(ref).toHaveLength(from);
    expect(allRows(batchDb)).toEqual(ref);
    expect(allRows(singleDb)).toEqual(ref);
  });

  it('chains written by either implementation verify with the other verifier', () => {
    const newDb = openDatabase(':memory:');
    const refDb = openDatabase(':memory:');
    const store = new AuditStore(newDb);
    let from = 0;
    for (const n of batches) {
      store.appendMany(entries(n, from), TS);
      referenceAppend(refDb, entries(n, from), TS);
      from += n;
    }
    expect(referenceVerify(newDb)).toEqual({ valid: true, checked: from });
    expect(new AuditStore(refDb).verify(null, TS)).toMatchObject({ valid: true, checked: from, head: { seq: from } });
    // And they continue each other's chains.
    referenceAppend(newDb, entries(5, from), TS);
    new AuditStore(refDb).appendMany(entries(5, from), TS);
    expect(referenceVerify(newDb)).toEqual({ valid: true, checked: from + 5 });
    expect(store.verify(null, TS)).toMatchObject({ valid: true, checked: from + 5 });
    expect(allRows(newDb)).toEqual(allRows(refDb));
  });

  it('a payload that cannot be canonicalised, or a lone surrogate in any field, writes nothing', () => {
    const db = openDatabase(':memory:');
    const store = new AuditStore(db);
    store.appendMany(entries(40), TS);
    const bad: NewAuditEntry[][] = [
      [...entries(35, 40), { actor: 'a', action: 'x', payload: { v: NaN } }],
      [...entries(35, 40), { actor: 'a', action: 'x', subject: 'y\ud800', payload: {} }],
      [{ actor: 'a\udc00', action: 'x', payload: {} }],
    ];
    for (const b of bad) expect(() => store.appendMany(b, TS)).toThrow(/lone surrogate|non-finite/);
    expect(() => store.appendMany(entries(3), 'bad\ud800')).toThrow(/lone surrogate/);
    expect(store.count()).toBe(40);
    expect(store.verify(null, TS)).toMatchObject({ valid: true, checked: 40 });
  });

  it('a failed insert rolls the whole batch back, multi-row statements included', () => {
    const db = openDatabase(':memory:');
    const store = new AuditStore(db);
    store.appendMany(entries(10), TS);
    // Row 45 is refused: it is inside the second 32-row statement of the next batch (rows 11…110).
    db.exec("CREATE TRIGGER refuse_45 BEFORE INSERT ON audit_log WHEN NEW.seq = 45 BEGIN SELECT RAISE(ABORT, 'refused'); END");
    expect(() => store.appendMany(entries(100, 10), TS)).toThrow(/refused/);
    expect(store.count()).toBe(10);
    db.exec('DROP TRIGGER refuse_45');
    store.appendMany(entries(100, 10), TS);
    expect(store.verify(null, TS)).toMatchObject({ valid: true, checked: 110 });
  });
});

describe('audit list totals', () => {
  it('a filtered total counts up to the cap and says when there are more; the pages are unchanged', () => {
    const db = openDatabase(':memory:');
    const store = new AuditStore(db);
    const n = AUDIT_COUNT_CAP + 5;
    store.appendMany(
      Array.from({ length: n }, (_, i) => ({ actor: 'a', action: i < 3 ? 'rare' : 'common', payload: { i } })),
      TS,
    );
    expect(store.list({ action: 'rare', limit: 2 })).toMatchObject({ total: 3, totalCapped: false });
    const common = store.list({ action: 'common', limit: 2 });
    expect(common).toMatchObject({ total: AUDIT_COUNT_CAP, totalCapped: true, nextBeforeSeq: n - 1 });
    expect(common.entries.map((e) => e.seq)).toEqual([n, n - 1]);
    // Unfiltered, the total is exact (the head's seq), whatever the size.
    expect(store.list({ limit: 1 })).toMatchObject({ total: n, totalCapped: false });
    db.close();
  });
});

describe('audit list filters', () => {
  it('every combination of filters, paged, returns exactly the matching entries newest first', () => {
    const db = openDatabase(':memory:');
    const store = new AuditStore(db);
    const all = Array.from({ length: 300 }, (_, i) => ({ actor: `user:${i % 3}`, action: `act.${i % 4}`, payload: { i } }));
    // Three timestamps, so ts ranges cut the log.
    for (const [k, ts] of ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'].entries()) {
      store.appendMany(all.slice(k * 100, k * 100 + 100), ts);
    }
    const rows = store.list({ limit: 1000 }).entries;
    const choices = {
      action: [undefined, 'act.1'],
      actor: [undefined, 'user:2'],
      fromTs: [undefined, '2026-02-01T00:00:00.000Z'],
      toTs: [undefined, '2026-02-15T00:00:00.000Z'],
    };
    let combos = 0;
    for (const action of choices.action)
      for (const actor of choices.actor)
        for (const fromTs of choices.fromTs)
          for (const toTs of choices.toTs) {
            const want = rows.filter(
              (e) => (!action || e.action === action) && (!actor || e.actor === actor) && (!fromTs || e.ts >= fromTs) && (!toTs || e.ts <= toTs),
            );
            const got: number[] = [];
            let beforeSeq: number | undefined;
            for (;;) {
              const page = store.list({ limit: 7, action, actor, fromTs, toTs, beforeSeq });
              expect(page.total).toBe(want.length);
              got.push(...page.entries.map((e) => e.seq));
              if (page.nextBeforeSeq === null) break;
              beforeSeq = page.nextBeforeSeq;
            }
            expect(got).toEqual(want.map((e) => e.seq));
            combos++;
          }
    expect(combos).toBe(16);
    // A search by action seeks its index instead of walking the log.
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM audit_log WHERE 1 = 1 AND action = 'x' AND seq < 5 ORDER BY seq DESC LIMIT 3").all() as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/audit_log_action/);
    db.close();
  });
});
