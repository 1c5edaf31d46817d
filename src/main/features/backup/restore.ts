// Restoring a backup, in two steps so that no step can leave the device with neither profile:
//  1. stageRestore (the backup.restore channel, on a fresh device): every frame is verified as it is
//     read, the database and the attachments are written to <data>/restore-staging/, the keys go into
//     the OS keychain or vault under a staging prefix, every entry is checked against the manifest and
//     the manifest against the closing frame. Only then is the READY marker written. Any refusal
//     removes the staging folder and changes nothing else.
//  2. applyPendingRestore (./apply.ts, at the next start, before the database is opened) moves the
//     staged files and keys into place.
import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { FileRefused, streamRegularFile } from '../../platform/util/regular-file';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupSummary } from '../../../shared/api/backup';
import type { Db } from '../../platform/db/connection';
import type { SecretStore } from '../../platform/keys/index';
import { BackupRefused } from './errors';
import { openBackup } from './format';
import { ENTRY, summaryOf, type BackupManifest } from './manifest';
import type { AttachmentMeta, StagedProfileOpener } from './ports';

export const STAGING_DIR = 'restore-staging';
export const READY_FILE = 'READY';
/** Restored secrets wait under this prefix until the restore is applied. */
export const STAGED_SECRET = 'restore-staged:';
const MAX_SMALL_ENTRY = 16 * 1024 * 1024;

export interface RestoreDeps {
  dataDir: string;
  secrets: () => Promise<SecretStore>;
  openStaged: StagedProfileOpener;
  clock: { now(): Date };
}

interface Staging {
  dir: string;
  hashes: Map<string, { size: number; sha256: string }>;
  keys: Record<string, string> | null;
  index: AttachmentMeta[] | null;
  manifest: Buffer | null;
  db: Db | null;
  store: ReturnType<StagedProfileOpener> | null;
}

function hashing(onDone: (size: number, sha256: string) => void): Transform {
  const h = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      h.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      onDone(size, h.digest('hex'));
      done();
    },
  });
}

async function readSmall(entry: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of entry) {
    n += (c as Buffer).length;
    if (n > MAX_SMALL_ENTRY) throw new BackupRefused('manifest_mismatch', 'An index entry of the backup is impossibly large');
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

const parseJson = <T>(b: Buffer, what: string): T => {
  try {
    return JSON.parse(b.toString('utf8')) as T;
  } catch {
    throw new BackupRefused('manifest_mismatch', `The backup's ${what} is not valid JSON`);
  }
};

/** One tar entry into the staging folder (or memory for the small ones), hashed on the way. */
async function stageEntry(d: RestoreDeps, s: Staging, name: string, entry: Readable): Promise<void> {
  const record = (size: number, sha256: string) => s.hashes.set(name, { size, sha256 });
  if (name === ENTRY.keys || name === ENTRY.attachmentIndex || name === ENTRY.manifest) {
    const bytes = await readSmall(entry);
    if (name === ENTRY.manifest) s.manifest = bytes;
    else record(bytes.length, createHash('sha256').update(bytes).digest('hex'));
    if (name === ENTRY.keys) s.keys = parseJson(bytes, 'key list');
    if (name === ENTRY.attachmentIndex) s.index = parseJson(bytes, 'attachment index');
    return;
  }
  if (name === ENTRY.db && !s.db) {
    const path = join(s.dir, 'maestro.db');
    await pipeline(entry, hashing(record), createWriteStream(path, { mode: 0o600 }));
    s.store = d.openStaged(s.dir, s.keys ?? {});
    s.db = s.store.db;
    return;
  }
  const hash = name.startsWith(ENTRY.attachmentPrefix) ? name.slice(ENTRY.attachmentPrefix.length) : '';
  const meta = s.index?.find((a) => a.hash === hash);
  const store = s.store;
  if (!store || !meta) throw new BackupRefused('manifest_mismatch', `The backup holds an entry it does not list: ${name.slice(0, 120)}`);
  try {
    await store.putStream(entry.pipe(hashing(record)), { name: meta.name, mime: meta.mime, nowIso: d.clock.now().toISOString() }, { expectedHash: hash });
  } catch (e) {
    if (e instanceof BackupRefused) throw e;
    throw new BackupRefused('manifest_mismatch', `Attachment ${hash.slice(0, 12)}… does not match its digest`);
  }
}

/** Every entry the manifest lists was read with its size and hash; nothing else was. */
function checkManifest(s: Staging, trailerSha: string | undefined): { manifest: BackupManifest; sha256: string } {
  if (!s.manifest) throw new BackupRefused('truncated', 'The backup has no manifest');
  const sha256 = createHash('sha256').update(s.manifest).digest('hex');
  if (sha256 !== trailerSha) throw new BackupRefused('manifest_mismatch', 'The manifest does not match the hash in the closing frame');
  const m = parseJson<BackupManifest>(s.manifest, 'manifest');
  if (m.v !== 1 || !Array.isArray(m.files)) throw new BackupRefused('manifest_mismatch', 'The manifest is not a version 1 manifest');
  const bad = m.files.filter((f) => {
    const got = s.hashes.get(f.path);
    return !got || got.size !== f.size || got.sha256 !== f.sha256;
  });
  if (bad.length > 0 || m.files.length !== s.hashes.size || !s.db || !s.keys) {
    throw new BackupRefused('manifest_mismatch', `The backup's content does not match its manifest (${bad.length} entries differ)`, {
      entries: bad.slice(0, 20).map((f) => f.path),
    });
  }
  return { manifest: m, sha256 };
}

async function readAll(d: RestoreDeps, s: Staging, path: string, passphrase: string, onProgress?: (done: number, total: number) => void) {
  // Only a regular file (a pipe or a device would hold the restore forever); no size cap: a backup holds every attachment.
  const { stream: source, size: total } = await streamRegularFile(path, Number.MAX_SAFE_INTEGER).catch((e: unknown) => {
    throw e instanceof FileRefused ? new BackupRefused('not_a_backup', e.message, { file: e.reason }) : e;
  });
  let done = 0;
  source.on('data', (c) => onProgress?.((done += (c as Buffer).length), total));
  try {
    return await readFrames(d, s, source, passphrase);
  } finally {
    // A refusal may stop reading early: the file is closed either way.
    source.destroy();
  }
}

async function readFrames(d: RestoreDeps, s: Staging, source: Readable, passphrase: string) {
  const { frames, trailer } = await openBackup(source, passphrase);
  const ex = (await import('tar-stream')).extract(); // loaded when used: no start-up pays for it
  const feeding = pipeline(Readable.from(frames), ex);
  feeding.catch(() => {});
  try {
    for await (const entry of ex) await stageEntry(d, s, entry.header.name, entry);
  } catch (e) {
    // A refusal of the frames (tampered, truncated) is the cause; the tar parser's error only follows from it.
    const cause = await feeding.then(() => null).catch((x: unknown) => x);
    throw cause instanceof BackupRefused
      ? cause
      : e instanceof BackupRefused
        ? e
        : new BackupRefused('tampered', `The backup's content is damaged: ${(e as Error).message}`);
  }
  await feeding.catch((x: unknown) => {
    throw x instanceof BackupRefused ? x : new BackupRefused('tampered', `The backup's content is damaged: ${(x as Error).message}`);
  });
  return trailer();
}

function writeReady(dir: string, body: object): void {
  const fd = openSync(join(dir, READY_FILE), 'w', 0o600);
  writeSync(fd, JSON.stringify(body));
  fsyncSync(fd);
  closeSync(fd);
}

export async function stageRestore(
  d: RestoreDeps,
  o: { path: string; passphrase: string; onProgress?: (done: number, total: number) => void },
): Promise<{ summary: BackupSummary }> {
  const store = await d.secrets();
  if (store.isLocked()) throw new BackupRefused('keystore_locked', 'Unlock the key vault first: the restored keys go into it');
  const dir = join(d.dataDir, STAGING_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const s: Staging = { dir, hashes: new Map(), keys: null, index: null, manifest: null, db: null, store: null };
  try {
    const trailer = await readAll(d, s, o.path, o.passphrase, o.onProgress);
    const { manifest, sha256 } = checkManifest(s, trailer?.manifestSha256);
    s.db?.close();
    s.db = null;
    for (const [name, value] of Object.entries(s.keys!)) await store.set(`${STAGED_SECRET}${name}`, value);
    writeReady(dir, { secrets: Object.keys(s.keys!), manifestSha256: sha256, device: manifest.device, createdAt: manifest.createdAt });
    return { summary: summaryOf(manifest, sha256) };
  } catch (e) {
    s.db?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
