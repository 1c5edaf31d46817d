// Test helpers: a fresh data directory and service graph per test, and a fixed clock.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { openDatabase } from './db/connection';
import { dbFileKind } from './db/cipher';
import { IntlMessageFormat } from 'intl-messageformat';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, DB_FILE, type Services } from '../app/services';
import type { Clock } from './util/clock';
import { VaultStore, type SecretStore } from './keys/index';
import type { FetchFn } from './device/signed-fetch';
import { messageForLog, type Message } from '../../shared/messages';
import { wordsWith } from '../../shared/workflow/said';
import type { Words } from '../../shared/workflow/types';

export function tempDir(prefix = 'maestro-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function fixedClock(start = Date.parse('2026-11-01T08:00:00.000Z'), stepMs = 1000): Clock {
  let t = start;
  return { now: () => new Date((t += stepMs)) };
}

export const TEST_PASSPHRASE = 'correct horse battery staple';

/** An unlocked passphrase vault: tests never touch the developer's real keychain. */
export async function unlockedVault(dataDir: string): Promise<VaultStore> {
  const v = new VaultStore(dataDir);
  await v.unlock(TEST_PASSPHRASE);
  return v;
}

/**
 * The at-rest key tests run under (fixed, so a test can reopen a data directory): every test's
 * database is SQLCipher-encrypted, as the app's is.
 */
export const TEST_AT_REST_KEY = createHash('sha256').update('maestro test at-rest key').digest();

/**
 * A fresh service graph, its database encrypted under TEST_AT_REST_KEY (`atRestKey: null`: plaintext,
 * for the tests that prove what encryption changes). `bare: true` starts without the built-in bundles (an empty resources
 * directory: no trust root, nothing installed, policy fails closed), for tests of one module that
 * count audit entries from the first.
 */
export function makeServices(
  opts: {
    dataDir?: string;
    clock?: Clock;
    secrets?: SecretStore | Promise<SecretStore>;
    fetch?: FetchFn;
    bare?: boolean;
    /** The at-rest key; default TEST_AT_REST_KEY, null for a legacy (plaintext) profile. */
    atRestKey?: Buffer | null;
    /** Development mode (the test models allowed, versions `+dev`); default off: the shipped policy, whatever the environment says. */
    devPolicy?: boolean;
  } = {},
): Services {
  const dataDir = opts.dataDir ?? tempDir();
  return createServices({
    dataDir,
    host: 'web',
    clock: opts.clock ?? fixedClock(),
    secrets: opts.secrets ?? unlockedVault(dataDir),
    fetch: opts.fetch,
    devPolicy: opts.devPolicy ?? false,
    ...(opts.atRestKey === null ? {} : { atRestKey: opts.atRestKey ?? TEST_AT_REST_KEY }),
    ...(opts.bare ? { resourcesDir: tempDir('maestro-bare-') } : {}),
  });
}

/** SHA-256 of every object definition and every row of the database (read with `key` when encrypted): "unchanged" checks. */
export function dbFingerprint(dataDir: string, key: Buffer = TEST_AT_REST_KEY): string {
  // What the database holds (every object's definition and every row), not its files' bytes: the
  // background checkpointer (platform/sqlite-checkpointer.ts) moves committed pages from the log
  // into the database file at any moment, which changes the bytes and nothing else.
  const path = join(dataDir, DB_FILE);
  const db = openDatabase(path, { readonly: true, key: dbFileKind(path) === 'encrypted' ? key : undefined });
  try {
    const h = createHash('sha256');
    const objects = db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY type, name').all() as { type: string; name: string; sql: string | null }[];
    for (const o of objects) {
      h.update(`${o.type}\u0000${o.name}\u0000${o.sql ?? ''}\u0000`);
      if (o.type !== 'table' || /^\s*CREATE VIRTUAL/i.test(o.sql ?? '')) continue;
      // Identifiers cannot be bound: the name comes from sqlite_master, quoted (tests only).
      for (const row of db
        .prepare(`SELECT * FROM "${o.name.replaceAll('"', '""')}"`)
        .raw()
        .iterate() as Iterable<unknown[]>) {
        h.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
      }
    }
    return h.digest('hex');
  } finally {
    db.close();
  }
}

/**
 * What the system's words (decision 0030) read as in `lang`, for tests in the main process: the
 * renderer's locale files (read as data, not imported as code) formatted with intl-messageformat as
 * i18next-icu does, English where `lang` lacks a key; a code with no words anywhere reads as its
 * log form (as the renderer shows it). Words are put together by the same shared wordsWith.
 */
export function localeWords(lang: string): { words(w: Words): string; message(m: Message): string } {
  const dir = join(__dirname, '../../renderer/i18n/locales');
  const load = (l: string) => {
    const out = new Map<string, unknown>();
    for (const f of readdirSync(join(dir, l)).filter((n) => n.endsWith('.json'))) out.set(f.slice(0, -5), JSON.parse(readFileSync(join(dir, l, f), 'utf8')));
    return out;
  };
  const own = load(lang);
  const en = lang === 'en' ? own : load('en');
  const find = (files: Map<string, unknown>, code: string): string | null => {
    const [ns, ...path] = code.split('.');
    let cur: unknown = files.get(ns!);
    for (const k of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
    return typeof cur === 'string' ? cur : null;
  };
  const message = (m: Message): string => {
    const mine = find(own, m.code);
    const text = mine ?? find(en, m.code);
    if (text === null) return messageForLog(m);
    return String(new IntlMessageFormat(text, mine === null ? 'en' : lang).format(m.params ?? {}));
  };
  const list = find(own, 'system.join.list') ?? '; ';
  return { message, words: (w) => wordsWith(w, message, list) };
}
