// The server's signing keys over time (issue 18): the chain in server_keys (seq 1 seeded from the
// key in use, later keys introduced by statements signed with the key before) and the private keys
// this instance holds (the key file plus `<keyId>.pem` files in the key directory). Every instance
// signs with the newest key whose window has started and whose private part it holds, so all
// instances switch at `validFrom` with no coordination beyond the clock. Objects keep naming the key
// that signed them; old keys verify forever.
import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeyFromRaw, verifyBase64 } from '../../platform/ed25519';
import { ApiError } from '../../shared/errors';
import { verifyServerKeyChain } from '../../platform/server-key-chain';
import type { ServerKeyWindow, SignedServerKeyStatement } from '../../shared/sync/server-keys';
import type { ServerStorage } from '../storage/types';
import { serverKeyFrom, ServerKeyError, type ServerKey } from './server-key';

/** The key directory next to the database when MAESTRO_SERVER_KEY_DIR is not set. */
export const SERVER_KEY_DIRNAME = 'server-keys';

/** MAESTRO_SERVER_KEY_DIR, else `<dbDir>/server-keys`. */
export const keyDirOf = (env: NodeJS.ProcessEnv, dbDir: string): string => env.MAESTRO_SERVER_KEY_DIR || join(dbDir, SERVER_KEY_DIRNAME);

export interface ServerKeyRing {
  /** The key this instance signs with at `now`; ApiError UNAVAILABLE (503) when it holds none that may sign (add the newest key to the key directory). */
  active(now: Date): ServerKey;
  /** A held key of the chain, by id (to re-sign an object that already names it). */
  byId(keyId: string): ServerKey | undefined;
  /** The first key of the chain. */
  root(): { keyId: string; publicKey: string };
  /** The statements, seq 2 on, in order. */
  statements(): readonly SignedServerKeyStatement[];
  windows(): readonly ServerKeyWindow[];
  /** Re-reads the chain (another instance or the CLI may have added a key) and the key directory. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** ServerKey's optional back-reference: a ServerKey that is a view of a ring names it. */
export type RingKey = ServerKey & { ring?: ServerKeyRing };

/** The ring behind a key: its own ring for a ring view, else a one-key ring (tests, benchmarks, older callers). */
export function keyRingOf(key: RingKey): ServerKeyRing {
  if (key.ring) return key.ring;
  const root = { keyId: key.keyId, publicKey: key.publicKey };
  return {
    active: () => key,
    byId: (id) => (id === key.keyId ? key : undefined),
    root: () => root,
    statements: () => [],
    windows: () => [{ ...root, seq: 1, validFrom: null, validUntil: null }],
    refresh: () => Promise.resolve(),
    close: () => key.close(),
  };
}

/** Private keys in `dir` (`*.pem`); unreadable or foreign files are skipped (the caller logs what it holds). */
function keysInDir(dir: string | undefined): ServerKey[] {
  if (!dir) return [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pem'));
  } catch {
    return [];
  }
  const out: ServerKey[] = [];
  for (const n of names) {
    try {
      out.push(serverKeyFrom(createPrivateKey({ key: readFileSync(join(dir, n), 'utf8'), format: 'pem' })));
    } catch {
      // not an Ed25519 private key: not ours to use
    }
  }
  return out;
}

interface Loaded {
  root: { keyId: string; publicKey: string };
  statements: SignedServerKeyStatement[];
  windows: ServerKeyWindow[];
}

async function loadChain(storage: ServerStorage): Promise<Loaded> {
  const rows = await storage.listServerKeys();
  const first = rows[0];
  if (!first) throw new ServerKeyError('server_keys is empty');
  const root = { keyId: first.keyId, publicKey: first.publicKey };
  const statements = rows.slice(1).map((r) => JSON.parse(r.statementJson ?? 'null') as SignedServerKeyStatement);
  const check = verifyServerKeyChain(root, statements);
  if (!check.ok) throw new ServerKeyError(`The server key chain in server_keys does not verify: ${check.reason}`);
  return { root, statements, windows: check.windows };
}

export interface RingOptions {
  storage: ServerStorage;
  /** The key file's key (MAESTRO_SERVER_KEY_FILE or the generated one): seeds the chain when it is empty. */
  primary: ServerKey;
  /** MAESTRO_SERVER_KEY_DIR: more private keys, `<keyId>.pem` (read again on refresh). */
  keyDir?: string;
  now: Date;
}

/**
 * Seeds server_keys with the primary key when it is empty, checks the chain, and refuses (an
 * instance with a key of its own, e.g. one generated per host) when the primary key is not in it.
 */
export async function openServerKeyRing(o: RingOptions): Promise<ServerKeyRing> {
  const at = o.now.toISOString();
  await o.storage.seedServerKey({ keyId: o.primary.keyId, seq: 1, publicKey: o.primary.publicKey, statementJson: null, validFrom: at, createdAt: at });
  let chain = await loadChain(o.storage);
  if (!chain.windows.some((w) => w.keyId === o.primary.keyId)) {
    throw new ServerKeyError(
      `This instance's server key ${o.primary.keyId} is not in server_keys (first key ${chain.root.keyId}): every instance must use the same key file or key directory`,
    );
  }
  const held = new Map<string, ServerKey>([[o.primary.keyId, o.primary]]);
  const holdFromDir = (): void => {
    for (const k of keysInDir(o.keyDir)) {
      if (held.has(k.keyId) || !chain.windows.some((w) => w.keyId === k.keyId)) void k.close();
      else held.set(k.keyId, k);
    }
  };
  holdFromDir();
  return {
    active(now) {
      const t = now.getTime();
      for (let i = chain.windows.length - 1; i >= 0; i--) {
        const w = chain.windows[i]!;
        const k = held.get(w.keyId);
        if (!k || (w.validFrom !== null && Date.parse(w.validFrom) > t)) continue;
        if (w.validUntil !== null && Date.parse(w.validUntil) < t) break;
        return k;
      }
      // 503: the request can go to an instance that holds the key (or come back once this one does).
      throw new ApiError('UNAVAILABLE', 'This instance holds no server key that may sign now', { reason: 'no_signing_key' });
    },
    byId: (id) => held.get(id),
    root: () => chain.root,
    statements: () => chain.statements,
    windows: () => chain.windows,
    async refresh() {
      chain = await loadChain(o.storage);
      holdFromDir();
    },
    async close() {
      await Promise.all([...held.values()].map((k) => k.close()));
    },
  };
}

/**
 * A ServerKey that signs with the ring's active key at the clock's time: what ServerDeps.serverKey
 * holds, so callers that sign one object stay as they were. Code that must name and sign with the
 * same key (receipts, checkpoints, certificates) takes `keyRingOf(key).active(now)` once.
 */
export function ringKey(ring: ServerKeyRing, clock: { now(): Date }): RingKey {
  const active = (): ServerKey => ring.active(clock.now());
  return {
    get keyId() {
      return active().keyId;
    },
    get publicKey() {
      return active().publicKey;
    },
    sign: (m) => active().sign(m),
    signMany: (ms) => active().signMany(ms),
    // Anything one of the chain's keys signed (a certificate from before a rotation).
    verify: (m, s) => ring.windows().some((w) => verifyBase64(publicKeyFromRaw(w.publicKey), m, s)),
    close: () => ring.close(),
    ring,
  };
}

/**
 * Signs receipt bytes, each with the key its receipt names (a row written under the previous key
 * and signed later keeps that key); `active` for the rest.
 */
export function signReceipts(ring: ServerKeyRing, active: ServerKey, messages: readonly string[]): Promise<string[]> {
  const mark = `"serverKeyId":"${active.keyId}"`;
  if (messages.every((m) => m.includes(mark))) return active.signMany(messages);
  return Promise.resolve(
    messages.map((m) => {
      const id = (JSON.parse(m) as { serverKeyId?: string }).serverKeyId ?? active.keyId;
      const k = ring.byId(id);
      if (!k) throw new ApiError('UNAVAILABLE', `This instance does not hold server key ${id}`, { reason: 'no_signing_key' });
      return k.sign(m);
    }),
  );
}
