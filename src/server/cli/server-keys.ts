// Server key commands (issue 18):
//   rotate-server-key --new-key-file PATH [--generate] --valid-from ISO [--overlap-days N]
//     signs a statement introducing the key in PATH with the current key (the newest of the chain,
//     which this host must hold) and with the new key, records it (server audit
//     `server_key.introduced`) and prints what to copy where. Exit 1 when refused: nothing stored.
//   server-keys
//     lists the chain: seq, key id, window, and whether this host holds the private key.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DAY_MS } from '../../shared/risk';
import { loadConfig } from '../config';
import { serverKeyFrom, ServerKeyError, type ServerKey } from '../crypto/server-key';
import { keyDirOf, openServerKeyRing } from '../crypto/server-key-ring';
import { introduceServerKey } from '../crypto/rotate';
import type { ServerStorage } from '../storage/types';

export type ServerKeysCommand =
  { name: 'rotate-server-key'; newKeyFile: string; generate: boolean; validFrom: Date; overlapDays: number } | { name: 'server-keys' };

export const SERVER_KEYS_USAGE = `       maestro-server rotate-server-key --new-key-file PATH [--generate] --valid-from ISO [--overlap-days N]
       maestro-server server-keys`;

export const isServerKeysCommand = (name: string | undefined): boolean => name === 'rotate-server-key' || name === 'server-keys';

/** Parses the arguments after the command name; throws `usage(message)` on bad ones. */
export function parseServerKeysCommand(name: string, args: readonly string[], usage: (message: string) => Error): ServerKeysCommand {
  if (name === 'server-keys') {
    if (args.length > 0) throw usage('server-keys takes no arguments');
    return { name };
  }
  let v: { 'new-key-file'?: string; generate?: boolean; 'valid-from'?: string; 'overlap-days'?: string };
  try {
    v = parseArgs({
      args: [...args],
      strict: true,
      options: { 'new-key-file': { type: 'string' }, generate: { type: 'boolean' }, 'valid-from': { type: 'string' }, 'overlap-days': { type: 'string' } },
    }).values;
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (!v['new-key-file']) throw usage('--new-key-file is required');
  const from = v['valid-from'];
  if (!from || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(from) || !Number.isFinite(Date.parse(from))) {
    throw usage('--valid-from is required: an ISO time with a zone, e.g. 2026-03-01T00:00:00Z');
  }
  const overlap = v['overlap-days'] ?? '7';
  if (!/^\d{1,3}$/.test(overlap) || Number(overlap) > 365) throw usage('--overlap-days: a whole number of days from 0 to 365');
  return { name: 'rotate-server-key', newKeyFile: v['new-key-file'], generate: v.generate ?? false, validFrom: new Date(from), overlapDays: Number(overlap) };
}

/** The new key: read from the file, or (--generate) created there first with mode 0600, never overwriting. */
function newKey(path: string, generate: boolean): ServerKey {
  if (generate) {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    try {
      writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      throw new ServerKeyError(`Cannot create ${path}: ${(err as Error).message}`);
    }
    chmodSync(path, 0o600);
  }
  try {
    return serverKeyFrom(createPrivateKey({ key: readFileSync(path, 'utf8'), format: 'pem' }));
  } catch (err) {
    throw new ServerKeyError(`Cannot read the new key ${path}: ${(err as Error).message}`);
  }
}

export async function runServerKeysCommand(
  cmd: ServerKeysCommand,
  storage: ServerStorage,
  now: Date,
  primary: () => ServerKey,
  env: NodeJS.ProcessEnv,
): Promise<{ out: string[]; code: number }> {
  const keyDir = keyDirOf(env, dirname(loadConfig(env).dbPath));
  let ring;
  try {
    ring = await openServerKeyRing({ storage, primary: primary(), keyDir, now });
  } catch (err) {
    if (err instanceof ServerKeyError) return { out: [`refused: ${err.message}`], code: 1 };
    throw err;
  }
  try {
    if (cmd.name === 'server-keys') {
      return {
        out: ring
          .windows()
          .map((w) => `${w.seq} ${w.keyId} from ${w.validFrom ?? '-'} until ${w.validUntil ?? '-'}${ring.byId(w.keyId) ? ' (held here)' : ''}`),
        code: 0,
      };
    }
    const windows = ring.windows();
    const head = windows[windows.length - 1]!;
    const current = ring.byId(head.keyId);
    if (!current) return { out: [`refused: this host does not hold the current key ${head.keyId}; run the command where it is`], code: 1 };
    let next: ServerKey;
    try {
      next = newKey(cmd.newKeyFile, cmd.generate);
    } catch (err) {
      return { out: [`refused: ${(err as Error).message}`], code: 1 };
    }
    if (windows.some((w) => w.keyId === next.keyId)) return { out: [`refused: key ${next.keyId} is already in the chain`], code: 1 };
    const previousValidUntil = new Date(cmd.validFrom.getTime() + cmd.overlapDays * DAY_MS);
    const r = await introduceServerKey(storage, ring, { current, next, validFrom: cmd.validFrom, previousValidUntil, now, actor: 'cli' });
    await next.close();
    if (!r.ok) return { out: [`refused (${r.code}): ${r.reason}`], code: 1 };
    const s = r.statement.statement;
    return {
      out: [
        `keyId: ${s.keyId}`,
        `seq: ${s.seq}`,
        `validFrom: ${s.validFrom}`,
        `previousValidUntil: ${s.previousValidUntil}`,
        `next: copy ${cmd.newKeyFile} to ${s.keyId}.pem in MAESTRO_SERVER_KEY_DIR (${keyDir}) on every instance before ${s.validFrom}`,
      ],
      code: 0,
    };
  } finally {
    await ring.close();
  }
}
