// The server keys this device trusts (issue 18): the key pinned at enrollment is the root of trust;
// the server's later keys are learned from its statements (each signed by the key before and by the
// new key), checked here against the pin before they are stored. Every signed object the device
// checks (receipt, certificate, checkpoint) names its key; it is accepted when that key is in the
// verified chain and the object's own time lies inside the key's window, so old receipts verify
// forever and both keys are accepted during the overlap.
import type { KeyObject } from 'node:crypto';
import { prepared, type Db } from '../db/connection';
import { publicKeyFromRaw } from '../../../platform/ed25519';
import { verifyServerKeyChain } from '../../../platform/server-key-chain';
import { keyWindows, windowAllows, type ServerKeyWindow, type SignedServerKeyStatement } from '../../../shared/sync/server-keys';

/** Finds the public key an object naming `keyId`, dated `at`, must be signed with. */
export interface ServerKeyResolver {
  keyFor(keyId: string, at: string): KeyObject | null;
}

export interface DeviceKeyRing extends ServerKeyResolver {
  windows: readonly ServerKeyWindow[];
  /** The newest key this device knows (sent as H_SERVER_KEYS). */
  newestKeyId: string;
  /** Whether a key id is one of the ring's (receipt fields are checked before signatures). */
  has(keyId: string): boolean;
  /** The raw public key (base64) of a key id. */
  publicKeyOf(keyId: string): string | null;
}

function ringOf(windows: ServerKeyWindow[]): DeviceKeyRing {
  const objects = new Map<string, KeyObject>();
  const byId = new Map(windows.map((w) => [w.keyId, w]));
  return {
    windows,
    newestKeyId: windows[windows.length - 1]!.keyId,
    has: (id) => byId.has(id),
    publicKeyOf: (id) => byId.get(id)?.publicKey ?? null,
    keyFor(keyId, at) {
      const w = byId.get(keyId);
      if (!w || !windowAllows(w, at)) return null;
      let k = objects.get(keyId);
      if (!k) objects.set(keyId, (k = publicKeyFromRaw(w.publicKey)));
      return k;
    },
  };
}

/** A ring of the one pinned key (enrollment, before anything is stored). */
export function pinnedRing(keyId: string, publicKey: string): DeviceKeyRing {
  return ringOf([{ keyId, publicKey, seq: 1, validFrom: null, validUntil: null }]);
}

interface Row {
  key_id: string;
  public_key: string;
  statement_json: string | null;
}

function pin(db: Db): { keyId: string; publicKey: string } | null {
  const r = prepared(db, 'SELECT server_key_id AS keyId, server_public_key AS publicKey FROM sync_config WHERE singleton = 1').get() as
    { keyId: string; publicKey: string } | undefined;
  return r ?? null;
}

/** The stored chain: its first key and the statements after it (null before enrollment). */
export function readServerKeyChain(db: Db): { root: { keyId: string; publicKey: string }; statements: SignedServerKeyStatement[] } | null {
  const rows = prepared(db, 'SELECT key_id, public_key, statement_json FROM server_keys ORDER BY seq').all() as Row[];
  const first = rows[0];
  if (!first) return null;
  return {
    root: { keyId: first.key_id, publicKey: first.public_key },
    statements: rows.slice(1).map((r) => JSON.parse(r.statement_json!) as SignedServerKeyStatement),
  };
}

/** The ring as stored (the rows were verified when learned); the pinned key alone when none are stored. Null when not enrolled. */
export function readServerKeyRing(db: Db): DeviceKeyRing | null {
  const chain = readServerKeyChain(db);
  if (chain) return ringOf(keyWindows(chain.root, chain.statements));
  const p = pin(db);
  return p ? pinnedRing(p.keyId, p.publicKey) : null;
}

export type LearnResult = { ok: true; learned: number } | { ok: false; reason: string };

/**
 * Checks a chain the server sent (the whole chain, seq 2 on) against the pinned key and stores it
 * when it extends what this device knows. A chain that does not verify, or that contradicts the
 * stored one, changes nothing.
 */
export function learnServerKeys(db: Db, statements: readonly SignedServerKeyStatement[], now: string): LearnResult {
  const p = pin(db);
  if (!p) return { ok: false, reason: 'not enrolled' };
  const check = verifyServerKeyChain(p, statements);
  if (!check.ok) return check;
  const known = readServerKeyChain(db);
  const knownStatements = known?.statements ?? [];
  const prefix = Math.min(knownStatements.length, statements.length);
  for (let i = 0; i < prefix; i++) {
    if (JSON.stringify(knownStatements[i]) !== JSON.stringify(statements[i]))
      return { ok: false, reason: `statement ${i + 2} differs from the one this device stored` };
  }
  if (known && known.root.keyId !== check.windows[0]!.keyId && knownStatements.length > 0) return { ok: false, reason: 'the chain starts at another key' };
  const learned = check.windows.length - (known ? knownStatements.length + 1 : 1);
  if (learned <= 0 && known?.root.keyId === check.windows[0]!.keyId) return { ok: true, learned: 0 };
  db.transaction(() => {
    db.prepare('DELETE FROM server_keys').run();
    const ins = db.prepare('INSERT INTO server_keys (key_id, seq, public_key, statement_json, learned_at) VALUES (?, ?, ?, ?, ?)');
    check.windows.forEach((w, i) => ins.run(w.keyId, w.seq, w.publicKey, i === 0 ? null : JSON.stringify(statements[i - 1]), now));
  })();
  return { ok: true, learned: Math.max(learned, 1) };
}

/** At enrollment: the pinned key starts the ring (replacing what a previous enrollment left). */
export function seedServerKeys(db: Db, keyId: string, publicKey: string, now: string): void {
  db.prepare('DELETE FROM server_keys').run();
  db.prepare('INSERT INTO server_keys (key_id, seq, public_key, statement_json, learned_at) VALUES (?, 1, ?, NULL, ?)').run(keyId, publicKey, now);
}

/**
 * Signature checks grouped by key (the verify pool takes one key per call); an item without a key
 * (not in the ring, or dated outside its window) fails.
 */
export async function verifyByKey(
  verifyAll: (key: KeyObject, items: [string, string][]) => Promise<boolean[]>,
  items: readonly { key: KeyObject | null; bytes: string; signature: string }[],
): Promise<boolean[]> {
  const out = items.map(() => false);
  const groups = new Map<KeyObject, number[]>();
  items.forEach((it, i) => {
    if (!it.key) return;
    const g = groups.get(it.key);
    if (g) g.push(i);
    else groups.set(it.key, [i]);
  });
  for (const [key, idx] of groups) {
    const ok = await verifyAll(
      key,
      idx.map((i) => [items[i]!.bytes, items[i]!.signature]),
    );
    idx.forEach((i, k) => (out[i] = ok[k] === true));
  }
  return out;
}

/**
 * learnServerKeys with its trace in the device's audit log: `sync.server_keys_learned` (the key ids
 * now trusted) or `sync.server_keys_refused` (why). Returns whether new keys were stored.
 */
export function learnServerKeysAudited(
  d: { db: Db; clock: { now(): Date }; audit: { append(e: { actor: string; action: string; subject: string; payload: Record<string, unknown> }): unknown } },
  statements: readonly SignedServerKeyStatement[],
  actor: string,
): LearnResult {
  const r = learnServerKeys(d.db, statements, d.clock.now().toISOString());
  const newest = statements[statements.length - 1]?.statement.keyId ?? '';
  if (!r.ok) d.audit.append({ actor, action: 'sync.server_keys_refused', subject: newest, payload: { reason: r.reason } });
  else if (r.learned > 0)
    d.audit.append({ actor, action: 'sync.server_keys_learned', subject: newest, payload: { keys: statements.map((s) => s.statement.keyId) } });
  return r;
}
