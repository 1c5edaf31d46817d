import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { makeServices, tempDir, TEST_AT_REST_KEY } from '../test-utils';
import { applyKey } from '../db/cipher';
import { DB_FILE } from '../../app/services';
import { CanonicalJsonError, canonicalJson } from '../../../shared/canonical';
import { sha256Hex } from './audit-store';
import { PAGE_ROWS } from './chain-verifier';
import { GENESIS_PREV_HASH, auditEntryCanonical } from '../../../shared/audit-hash';

function seeded(n: number) {
  const dataDir = tempDir();
  const s = makeServices({ dataDir, bare: true });
  s.audit.appendMany(
    Array.from({ length: n }, (_, i) => ({
      actor: i % 2 ? 'user:a' : 'service:b',
      action: i % 3 ? 'note.added' : 'run.started',
      subject: `s${i}`,
      payload: { i, text: `entry ${i}` },
    })),
  );
  return { s, dataDir };
}

/**
 * Edit the file the way an attacker with the sqlite3 CLI would: drop the triggers, change rows. (The
 * database is encrypted at rest: this attacker also has the at-rest key, e.g. the unlocked session.)
 */
function tamper(dataDir: string, sql: string) {
  const db = new Database(join(dataDir, DB_FILE));
  applyKey(db, TEST_AT_REST_KEY);
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  db.exec(sql);
  db.close();
}

describe('audit log', () => {
  it('chains entries from genesis with SHA-256 over canonical JSON', () => {
    const { s } = seeded(3);
    const list = s.audit.list({ limit: 10 }).entries.reverse();
    expect(list.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(list[0]!.prevHash).toBe(GENESIS_PREV_HASH);
    expect(list[1]!.prevHash).toBe(list[0]!.hash);
    expect(list[2]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.audit.verify()).toMatchObject({ valid: true, checked: 3, head: { seq: 3, hash: list[2]!.hash }, firstBad: null });
  });

  it('refuses non-canonicalisable payloads and writes nothing', () => {
    const { s } = seeded(1);
    expect(() => s.audit.append({ actor: 'a', action: 'x', payload: { v: NaN } })).toThrow(CanonicalJsonError);
    expect(() => s.audit.append({ actor: 'a', action: 'x\ud800', payload: {} })).toThrow(CanonicalJsonError);
    expect(() =>
      s.audit.appendMany([
        { actor: 'a', action: 'ok', payload: 1 },
        { actor: 'a', action: 'x', payload: Infinity },
      ]),
    ).toThrow();
    expect(s.audit.store.count()).toBe(1);
  });

  it('SQLite triggers refuse UPDATE and DELETE', () => {
    const { s } = seeded(2);
    expect(() => s.db.prepare("UPDATE audit_log SET payload = '{}' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => s.db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
  });

  it('pages newest first and filters by action, actor and time', () => {
    const { s } = seeded(25);
    const p1 = s.audit.list({ limit: 10 });
    expect(p1.total).toBe(25);
    expect(p1.entries[0]!.seq).toBe(25);
    expect(p1.nextBeforeSeq).toBe(16);
    const p2 = s.audit.list({ limit: 10, beforeSeq: p1.nextBeforeSeq! });
    expect(p2.entries[0]!.seq).toBe(15);
    const runs = s.audit.list({ limit: 100, action: 'run.started' });
    expect(runs.entries.every((e) => e.action === 'run.started')).toBe(true);
    expect(runs.total).toBe(9);
    const byActor = s.audit.list({ limit: 100, actor: 'user:a' });
    expect(byActor.total).toBe(12);
    const all = s.audit.list({ limit: 100 }).entries;
    expect(s.audit.list({ limit: 100, fromTs: all[0]!.ts }).total).toBe(25);
    expect(s.audit.list({ limit: 100, toTs: '2000-01-01T00:00:00.000Z' }).total).toBe(0);
    expect(s.audit.facets()).toEqual({ actions: ['note.added', 'run.started'], actors: ['service:b', 'user:a'] });
  });

  it('a payload edited behind the app is reported at exactly that entry', () => {
    const { s, dataDir } = seeded(10);
    s.close();
    tamper(dataDir, `UPDATE audit_log SET payload = '{"i":6,"text":"forged"}' WHERE seq = 7`);
    const s2 = makeServices({ dataDir, bare: true });
    expect(s2.audit.verify().firstBad).toMatchObject({ seq: 7, reason: 'payload_altered' });
  });

  it('an entry rewritten with a correctly recomputed hash is caught at the next link', () => {
    const { s, dataDir } = seeded(10);
    const e4 = s.audit.get(4)!;
    s.close();
    const forgedPayload = canonicalJson({ i: 3, text: 'forged' });
    const forgedHash = sha256Hex(auditEntryCanonical({ ...e4, action: 'forged' }, forgedPayload));
    tamper(dataDir, `UPDATE audit_log SET action = 'forged', payload = '${forgedPayload}', hash = '${forgedHash}' WHERE seq = 4`);
    expect(makeServices({ dataDir, bare: true }).audit.verify().firstBad).toMatchObject({ seq: 5, reason: 'link_broken' });
  });

  it('a deleted middle entry is a seq gap; a broken prevHash is a broken link', () => {
    const a = seeded(10);
    a.s.close();
    tamper(a.dataDir, 'DELETE FROM audit_log WHERE seq = 5');
    expect(makeServices({ dataDir: a.dataDir, bare: true }).audit.verify().firstBad).toMatchObject({ seq: 5, reason: 'seq_gap' });

    const b = seeded(10);
    b.s.close();
    tamper(b.dataDir, `UPDATE audit_log SET prev_hash = '${'0'.repeat(64)}' WHERE seq = 8`);
    expect(makeServices({ dataDir: b.dataDir, bare: true }).audit.verify().firstBad).toMatchObject({ seq: 8, reason: 'link_broken' });
  });

  it('a truncated tail is caught against the known head', () => {
    const { s, dataDir } = seeded(10);
    const head = s.audit.verify().head!; // recorded as the last verified head
    expect(head.seq).toBe(10);
    s.close();
    tamper(dataDir, 'DELETE FROM audit_log WHERE seq > 7');
    const s2 = makeServices({ dataDir, bare: true });
    expect(s2.audit.verify().firstBad).toMatchObject({ seq: 8, reason: 'truncated_tail' });
    // A head given by the caller (e.g. a server checkpoint) works the same way.
    expect(s2.audit.store.verify({ seq: 9, hash: head.hash }, 'now').firstBad).toMatchObject({ reason: 'truncated_tail' });
  });

  it('health reports the chain head and the last verification', () => {
    const { s } = seeded(3);
    expect(s.health.run('now').checks.find((c) => c.id === 'audit.chain')).toMatchObject({ status: 'warn' });
    s.audit.verify();
    const c = s.health.run('now').checks.find((x) => x.id === 'audit.chain')!;
    expect(c.status).toBe('ok');
    expect(c.figures).toMatchObject({ entries: 3, headSeq: 3, lastVerifiedValid: true });
    const db = s.health.run('now').checks.find((x) => x.id === 'db.store')!;
    expect(db).toMatchObject({ status: 'ok', figures: { quickCheck: 'ok' } });
  });
});

describe('chunked verification', () => {
  it('reports progress, yields between chunks and agrees with the one-pass result', async () => {
    const { s } = seeded(1000);
    const progress: number[] = [];
    s.events.subscribe((name, p) => {
      if (name === 'audit.verify.progress') progress.push((p as { checked: number }).checked);
    });
    const pending = s.audit.verifyWithProgress(undefined, 128);
    // An append while the run is under way is outside its scope and does not disturb it.
    s.audit.append({ actor: 'a', action: 'during', payload: {} });
    const r = await pending;
    expect(r).toMatchObject({ valid: true, checked: 1000, head: { seq: 1000 } });
    expect(progress.length).toBeGreaterThanOrEqual(8);
    expect(progress.at(-1)).toBe(1000);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('finds the same first bad entry as the one-pass verify', async () => {
    const { s, dataDir } = seeded(500);
    s.close();
    tamper(dataDir, `UPDATE audit_log SET subject = 'x' WHERE seq = 333`);
    const s2 = makeServices({ dataDir, bare: true });
    expect((await s2.audit.verifyWithProgress(undefined, 50)).firstBad).toMatchObject({ seq: 333, reason: 'payload_altered' });
    expect(s2.audit.verify().firstBad).toMatchObject({ seq: 333, reason: 'payload_altered' });
  });
});

describe('verification across page boundaries', () => {
  // Rows are read PAGE_ROWS at a time: every tamper case sits at the last row of a page or the
  // first of the next, and each is checked in one pass, in page-sized chunks and in chunks that
  // straddle pages; all must name the same entry for the same reason, with monotonic progress.
  const N = 2 * PAGE_ROWS + 100;
  const P = PAGE_ROWS;
  const base = seeded(N);
  const last = base.s.audit.get(P)!;
  expect(base.s.audit.verify()).toMatchObject({ valid: true, checked: N }); // N is now the known head
  base.s.close();
  const forgedPayload = canonicalJson({ i: P - 1, text: 'forged' });
  const forgedHash = sha256Hex(auditEntryCanonical({ ...last, action: 'forged' }, forgedPayload));
  const cases: [string, string, { seq: number; reason: string }][] = [
    ['payload edited, last row of a page', `UPDATE audit_log SET payload = '{"i":0}' WHERE seq = ${P}`, { seq: P, reason: 'payload_altered' }],
    ['payload edited, first row of a page', `UPDATE audit_log SET subject = 'x' WHERE seq = ${P + 1}`, { seq: P + 1, reason: 'payload_altered' }],
    [
      'prevHash broken, first row of a page',
      `UPDATE audit_log SET prev_hash = '${'0'.repeat(64)}' WHERE seq = ${P + 1}`,
      { seq: P + 1, reason: 'link_broken' },
    ],
    [
      'rewritten with its hash recomputed, last row of a page',
      `UPDATE audit_log SET action = 'forged', payload = '${forgedPayload}', hash = '${forgedHash}' WHERE seq = ${P}`,
      { seq: P + 1, reason: 'link_broken' },
    ],
    ['last row of a page deleted', `DELETE FROM audit_log WHERE seq = ${P}`, { seq: P, reason: 'seq_gap' }],
    ['first row of a page deleted', `DELETE FROM audit_log WHERE seq = ${P + 1}`, { seq: P + 1, reason: 'seq_gap' }],
    ['tail cut at a page boundary', `DELETE FROM audit_log WHERE seq > ${2 * P}`, { seq: 2 * P + 1, reason: 'truncated_tail' }],
  ];

  it.each(cases)('%s', async (_name, sql, bad) => {
    const dataDir = tempDir();
    cpSync(base.dataDir, dataDir, { recursive: true });
    tamper(dataDir, sql);
    const s = makeServices({ dataDir, bare: true });
    const progress: { checked: number; total: number }[] = [];
    s.events.subscribe((name, p) => {
      if (name === 'audit.verify.progress') progress.push(p as { checked: number; total: number });
    });
    for (const chunk of [undefined, 1000, P + 1]) {
      progress.length = 0;
      const r = await s.audit.verifyWithProgress(undefined, chunk);
      expect(r).toMatchObject({ valid: false, checked: bad.seq - 1, firstBad: bad });
      const checked = progress.map((p) => p.checked);
      expect(checked).toEqual([...checked].sort((a, b) => a - b));
      expect(checked.at(-1)).toBe(r.checked);
      expect(progress.every((p) => p.checked <= p.total)).toBe(true);
    }
    expect(s.audit.verify()).toMatchObject({ valid: false, checked: bad.seq - 1, firstBad: bad });
    s.close();
  });

  it('an untouched multi-page chain verifies the same in any chunking, with progress to the end', async () => {
    const dataDir = tempDir();
    cpSync(base.dataDir, dataDir, { recursive: true });
    const s = makeServices({ dataDir, bare: true });
    const head = s.audit.head();
    for (const chunk of [undefined, 1, 999, P, P + 1, 10 * P]) {
      const progress: number[] = [];
      const off = s.events.subscribe((name, p) => void (name === 'audit.verify.progress' && progress.push((p as { checked: number }).checked)));
      // Chunks of one row over 8k rows: still correct, just many yields.
      const r = await s.audit.verifyWithProgress(undefined, chunk);
      off();
      expect(r).toMatchObject({ valid: true, checked: N, head, firstBad: null });
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBe(N);
      expect(progress.length).toBeGreaterThanOrEqual(Math.ceil(N / (chunk ?? P)));
    }
    s.close();
  });
});
