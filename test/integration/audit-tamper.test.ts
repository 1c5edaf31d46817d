// An attacker with the device's files (and its database key) edits the local audit log; the device
// must notice on its own, before any sync, because the newest server-countersigned checkpoint is
// sealed in its secret store (here the passphrase vault) where editing the database cannot reach it.
// Each case starts from a copy of one enrolled, anchored device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createServices, type Services } from '../../src/main/app/services';
import { tempDir, unlockedVault } from '../../src/main/platform/test-utils';
import { sha256Hex } from '../../src/main/platform/audit/index';
import { auditEntryCanonical, GENESIS_PREV_HASH } from '../../src/shared/audit-hash';
import { enrollToken, freePort, startServer, type ServerProc } from './server-process';

const SITE = 'field.inspect.site@1.2.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });

let srv: ServerProc;
let origin: string;
let anchoredSeq: number;
const open: Services[] = [];

async function openDevice(dataDir: string): Promise<Services> {
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
  open.push(s);
  return s;
}

beforeAll(async () => {
  const dir = tempDir('maestro-srv-');
  const port = await freePort();
  srv = await startServer(dir, port);
  origin = tempDir('maestro-anchored-');
  const s = await openDevice(origin);
  s.profile.setup({ name: 'Ada', tenant: 'acme' });
  await s.sync.enroll(srv.url, enrollToken(dir, port, 'acme', 'ada@acme'));
  for (let i = 1; i <= 3; i++) s.capture.submit({ contract: SITE, data: site(i) });
  await s.sync.syncNow();
  anchoredSeq = (await s.sync.status()).anchor!.seq;
  expect(anchoredSeq).toBeGreaterThan(4);
  s.close();
}, 60_000);

afterAll(async () => {
  open.forEach((s) => s.close());
  await srv.stop();
});

type Row = { seq: number; ts: string; actor: string; action: string; subject: string; payload: string; prev_hash: string; hash: string };

/** A copy of the anchored device with `attack` applied to its database file, as someone with the file would. */
async function attacked(attack: (db: Database.Database) => void): Promise<Services> {
  const dataDir = tempDir('maestro-tampered-');
  cpSync(origin, dataDir, { recursive: true });
  const raw = new Database(join(dataDir, 'maestro.db'));
  raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  attack(raw);
  raw.close();
  return openDevice(dataDir);
}

/** Recomputes every hash from `fromSeq` on, so the chain is consistent again (what a careful attacker does). */
function rechain(db: Database.Database): void {
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Row[];
  let prev = GENESIS_PREV_HASH;
  for (const r of rows) {
    const h = sha256Hex(auditEntryCanonical({ seq: r.seq, ts: r.ts, actor: r.actor, action: r.action, subject: r.subject, prevHash: prev }, r.payload));
    db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, h, r.seq);
    prev = h;
  }
}

/** The attacker also erases every trace the database keeps of earlier checks and anchors, and plants its own. */
function rewriteAnchorTables(db: Database.Database): void {
  db.prepare('DELETE FROM audit_verifications').run();
  db.prepare('DELETE FROM audit_anchors').run();
  const head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
  db.prepare('INSERT INTO audit_anchors (seq, head, server_seq, time, checkpoint) VALUES (?, ?, 1, ?, ?)').run(
    head.seq,
    head.hash,
    new Date().toISOString(),
    '{}',
  );
}

describe('the device detects a rewritten audit log on its own', { timeout: 60_000 }, () => {
  it('untouched: verified up to the sealed anchor; newer entries are reported as not yet anchored', async () => {
    const s = await openDevice(origin);
    s.audit.append({ actor: 'user:x', action: 'note.added', payload: { note: 'after the sync' } });
    s.audit.append({ actor: 'user:x', action: 'note.added', payload: { note: 'and another' } });
    const r = await s.audit.verifyWithProgress();
    expect(r).toMatchObject({ valid: true, anchored: { seq: anchoredSeq }, unanchored: (r.head?.seq ?? 0) - anchoredSeq });
    expect(r.unanchored).toBeGreaterThanOrEqual(2);
    expect(s.health.run(new Date().toISOString()).checks.find((h) => h.service === 'audit')?.summary).toMatch(
      new RegExp(`verified up to entry ${anchoredSeq}.*not yet anchored`),
    );
    s.close();
  });

  it('edit: one entry changed in place', async () => {
    const s = await attacked((db) => db.prepare('UPDATE audit_log SET payload = \'{"forged":true}\' WHERE seq = 2').run());
    expect((await s.audit.verifyWithProgress()).firstBad).toMatchObject({ seq: 2, reason: 'payload_altered' });
  });

  it('delete: entries removed from the middle, and the anchored tail cut off', async () => {
    const mid = await attacked((db) => db.prepare('DELETE FROM audit_log WHERE seq = 3').run());
    expect((await mid.audit.verifyWithProgress()).firstBad).toMatchObject({ seq: 3, reason: 'seq_gap' });
    const tail = await attacked((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq >= ?').run(anchoredSeq - 1);
      rewriteAnchorTables(db);
    });
    // Cut below the anchor: either the log ends short of it, or (when the app appended since) the entry
    // now at the anchored seq is not the one the server countersigned.
    const r = await tail.audit.verifyWithProgress();
    expect(r.valid).toBe(false);
    expect(['truncated_tail', 'link_broken']).toContain(r.firstBad?.reason);
    expect(r.firstBad!.seq).toBeLessThanOrEqual(anchoredSeq);
  });

  it('swap: two entries exchange their content', async () => {
    const s = await attacked((db) => {
      const [a, b] = db.prepare('SELECT * FROM audit_log WHERE seq IN (2, 3) ORDER BY seq').all() as Row[];
      const set = db.prepare('UPDATE audit_log SET ts = ?, actor = ?, action = ?, subject = ?, payload = ? WHERE seq = ?');
      set.run(b!.ts, b!.actor, b!.action, b!.subject, b!.payload, 2);
      set.run(a!.ts, a!.actor, a!.action, a!.subject, a!.payload, 3);
    });
    expect((await s.audit.verifyWithProgress()).valid).toBe(false);
  });

  it('recompute the tail: entry 1 forged and every later hash recomputed', async () => {
    const s = await attacked((db) => {
      db.prepare('UPDATE audit_log SET payload = \'{"forged":true}\' WHERE seq = 1').run();
      rechain(db);
    });
    expect((await s.audit.verifyWithProgress()).firstBad).toMatchObject({ seq: anchoredSeq, reason: 'link_broken' });
  });

  it('recompute the tail and rewrite the anchor and verification tables: still detected, and Health says so', async () => {
    const s = await attacked((db) => {
      db.prepare('UPDATE audit_log SET payload = \'{"forged":true}\' WHERE seq = 1').run();
      rechain(db);
      rewriteAnchorTables(db);
      db.prepare(
        "INSERT INTO audit_verifications (verified_at, valid, checked, head_seq, head_hash, bad_seq, bad_reason, duration_ms) SELECT '2030-01-01T00:00:00.000Z', 1, count(*), max(seq), (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), NULL, NULL, 1 FROM audit_log",
      ).run();
    });
    const r = await s.audit.verifyWithProgress();
    expect(r).toMatchObject({ valid: false, firstBad: { seq: anchoredSeq, reason: 'link_broken' }, anchored: null });
    const health = s.health.run(new Date().toISOString()).checks.find((h) => h.service === 'audit');
    expect(health?.status).toBe('error');
  });
});
