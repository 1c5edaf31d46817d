// Writing a backup: a consistent snapshot of the database (SQLite's online backup), every attachment
// streamed through (never held whole), the keys, and the manifest last, as a tar stream sealed frame by
// frame (./format.ts) into a temporary file that is renamed into place when complete.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pack } from 'tar-stream';
import { canonicalJson } from '../../../shared/canonical';
import type { BackupSummary } from '../../../shared/api/backup';
import type { Db } from '../../platform/db/connection';
import { schemaVersion } from '../../platform/db/connection';
import type { SecretStore } from '../../platform/keys/index';
import { newHeader, sealBackup } from './format';
import { ENTRY, summaryOf, type BackupManifest } from './manifest';
import type { BackupAttachments } from './ports';
import { BackupRefused } from './errors';

export interface CreateDeps {
  db: Db;
  secrets: () => Promise<SecretStore>;
  attachments: BackupAttachments;
  audit: { head(): { seq: number; hash: string } | null };
  outboxCounts(): Record<string, number>;
  identity(): { device: string | null; tenant: string | null };
  /** A consistent copy of the database at `target`, encrypted like it (VACUUM INTO, off the main thread: ../../platform/db/snapshot.ts). */
  snapshot(target: string): Promise<void>;
}

type FileRecord = BackupManifest['files'][number];

/** Write one tar entry from a stream, hashing it on the way; the recorded size is checked by tar itself. */
async function addEntry(p: Pack, path: string, size: number, source: Readable, files: FileRecord[]): Promise<string> {
  const h = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _e, done) {
      h.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(source, hasher, p.entry({ name: path, size, mode: 0o600 }));
  const sha256 = h.digest('hex');
  files.push({ path, size, sha256 });
  return sha256;
}

const addBytes = (p: Pack, path: string, bytes: Buffer, files: FileRecord[]) => addEntry(p, path, bytes.length, Readable.from([bytes]), files);

async function readSecrets(secrets: () => Promise<SecretStore>): Promise<Record<string, string>> {
  const store = await secrets();
  if (store.isLocked()) throw new BackupRefused('keystore_locked', 'Unlock the key vault first: a backup carries the device keys');
  const out: Record<string, string> = {};
  for (const name of (await store.list()).sort()) {
    const v = await store.get(name);
    if (v !== null) out[name] = v;
  }
  return out;
}

/** Fill the tar: keys, database snapshot, attachment index, attachments, manifest (last). */
async function fillTar(
  d: CreateDeps,
  p: Pack,
  snapshot: string,
  createdAt: string,
  keys: Record<string, string>,
  onManifest: (b: Buffer) => void,
): Promise<void> {
  const files: FileRecord[] = [];
  await addBytes(p, ENTRY.keys, Buffer.from(canonicalJson(keys)), files);
  await addEntry(p, ENTRY.db, statSync(snapshot).size, createReadStream(snapshot), files);
  const attachments = d.attachments.list();
  await addBytes(p, ENTRY.attachmentIndex, Buffer.from(canonicalJson(attachments)), files);
  for (const a of attachments) {
    const got = await addEntry(p, `${ENTRY.attachmentPrefix}${a.hash}`, a.size, d.attachments.openRead(a.hash), files);
    if (got !== a.hash) throw new Error(`attachment ${a.hash} is damaged on disk; the backup was not written`);
  }
  const manifest: BackupManifest = {
    v: 1,
    createdAt,
    ...d.identity(),
    schemaVersion: schemaVersion(d.db),
    files,
    attachments,
    secrets: Object.keys(keys),
    audit: d.audit.head(),
    outbox: d.outboxCounts(),
  };
  const bytes = Buffer.from(canonicalJson(manifest));
  await addBytes(p, ENTRY.manifest, bytes, []);
  onManifest(bytes);
  p.finalize();
}

export async function createBackup(
  d: CreateDeps,
  o: { passphrase: string; dir: string; createdAt: string; onProgress?: (done: number, total: number) => void },
): Promise<{ path: string; bytes: number; summary: BackupSummary }> {
  mkdirSync(o.dir, { recursive: true });
  const tag = randomBytes(6).toString('hex');
  const snapshot = join(o.dir, `.backup-${tag}.db`);
  const tmp = join(o.dir, `.backup-${tag}.part`);
  const out = join(o.dir, `maestro-backup-${o.createdAt.replace(/[:.]/g, '-')}.mbak`);
  try {
    const keys = await readSecrets(d.secrets);
    // A consistent copy, encrypted under the at-rest key when the database is (SQLite's backup API
    // refuses an encrypted source with a plain target; VACUUM INTO keeps the cipher and key).
    await d.snapshot(snapshot);
    const total = statSync(snapshot).size + d.attachments.list().reduce((n, a) => n + a.size, 0);
    const { header, key } = await newHeader(o.passphrase, { createdAt: o.createdAt, ...d.identity() });
    const p = (await import('tar-stream')).pack(); // loaded when used: no start-up pays for it
    let manifest: Buffer | null = null;
    let tarBytes = 0;
    const filling = fillTar(d, p, snapshot, o.createdAt, keys, (m) => (manifest = m));
    filling.catch((e: Error) => p.destroy(e));
    const counted = async function* () {
      for await (const c of p as AsyncIterable<Buffer>) {
        tarBytes += c.length;
        o.onProgress?.(Math.min(tarBytes, total), total);
        yield c;
      }
    };
    const trailer = () => ({ manifestSha256: createHash('sha256').update(manifest!).digest('hex'), tarBytes });
    await pipeline(Readable.from(sealBackup(header, key, counted(), trailer)), createWriteStream(tmp, { mode: 0o600 }));
    await filling;
    renameSync(tmp, out);
    const m = JSON.parse(manifest!.toString('utf8')) as BackupManifest;
    return { path: out, bytes: statSync(out).size, summary: summaryOf(m, trailer().manifestSha256) };
  } finally {
    rmSync(snapshot, { force: true });
    rmSync(tmp, { force: true });
  }
}
