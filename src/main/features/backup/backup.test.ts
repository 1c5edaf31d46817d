// Backup and restore: a round trip onto a fresh data directory (records, attachments byte for byte,
// keys, the audit chain), and every way a file can be wrong refused with its own reason, changing nothing.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../app/services';
import { DB_FILE } from '../../app/deps';
import { createDispatcher } from '../../app/dispatch';
import { makeServices, tempDir, unlockedVault } from '../../platform/test-utils';
import type { VaultStore } from '../../platform/keys/index';
import { applyPendingRestore, hasPendingRestore } from './index';
import { loadAtRestKey } from '../../platform/keys/at-rest';
import { STAGING_DIR } from './restore';

const SITE = 'field.inspect.site@1.2.0';
const PASS = 'backup passphrase 1';
const site = (n: number, photos: string[] = []) => ({
  siteId: `PS-${n}`,
  inspectedAt: '2026-11-20',
  location: { lat: 52, lon: 4 },
  condition: 'good',
  inspector: { name: 'Ada' },
  photos,
});

const readAll = async (s: Services, hash: string) => {
  const parts: Buffer[] = [];
  for await (const c of s.capture.attachments.openRead(hash)) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

let source: Services;
let backupPath: string;
let photo: Buffer;
let photoHash: string;
const open: Services[] = [];

let sourceKey: Buffer;

beforeAll(async () => {
  // As the app does: the at-rest key lives in the device's secret store (here its vault).
  const dir = tempDir('maestro-source-');
  const vault = await unlockedVault(dir);
  sourceKey = await loadAtRestKey(vault);
  source = makeServices({ dataDir: dir, secrets: vault, atRestKey: sourceKey });
  open.push(source);
  source.profile.setup({ name: 'Ada', tenant: 'acme' });
  photo = randomBytes(3 * 1024 * 1024 + 17);
  const put = source.capture.attachments.put(photo, 'valve.jpg', 'image/jpeg', new Date().toISOString());
  photoHash = put.hash;
  source.capture.submit({ contract: SITE, data: site(1, [put.ref]) });
  source.capture.submit({ contract: SITE, data: site(2) });
  const store = await source.secrets();
  await store.set('device-signing-key:dev_test', 'PEM-OF-THE-DEVICE');
  const d = createDispatcher(source);
  const r = await d('backup.create', { passphrase: PASS });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  backupPath = (r.data as { path: string }).path;
});
afterAll(() => open.forEach((s) => s.close()));

/** A fresh device: its data directory, its vault and its services. */
async function fresh(): Promise<{ dir: string; vault: VaultStore; s: Services }> {
  const dir = tempDir('maestro-restore-');
  const vault = await unlockedVault(dir);
  const s = makeServices({ dataDir: dir, secrets: vault, atRestKey: await loadAtRestKey(vault) });
  open.push(s);
  return { dir, vault, s };
}

const copyOf = (mutate: (b: Buffer) => Buffer) => {
  const p = join(tempDir('maestro-bak-'), 'copy.mbak');
  writeFileSync(p, mutate(readFileSync(backupPath)));
  return p;
};
const fifoPath = () => {
  const p = join(tempDir('maestro-bak-'), 'backup.fifo');
  execFileSync('mkfifo', [p]);
  return p;
};

describe('backup', () => {
  it('writes one encrypted file: no record text, photo bytes or key in it; audited with the manifest hash', () => {
    const bytes = readFileSync(backupPath);
    expect(bytes.subarray(0, 17).toString()).toBe('MAESTRO-BACKUP/1\n');
    expect(bytes.includes(Buffer.from('PS-1'))).toBe(false);
    expect(bytes.includes(photo.subarray(1000, 1064))).toBe(false);
    expect(bytes.includes(Buffer.from('PEM-OF-THE-DEVICE'))).toBe(false);
    const entry = source.audit.list({ action: 'backup.created', limit: 5 }).entries[0];
    expect(entry?.payload).toMatchObject({ attachments: 1, manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('restores onto a fresh data directory: records, attachment bytes, keys and a verifying audit chain', async () => {
    const { dir, vault, s } = await fresh();
    const r = await createDispatcher(s)('backup.restore', { path: backupPath, passphrase: PASS, confirm: true });
    expect(r).toMatchObject({ ok: true, data: { restartRequired: true, summary: { attachments: 1, tenant: 'acme' } } });
    expect(hasPendingRestore(dir)).toBe(true);
    // Nothing is in place until the next start.
    expect(s.profile.get()).toBeNull();
    s.close();
    expect(await applyPendingRestore(dir, DB_FILE, vault)).toMatchObject({ applied: true });
    expect(existsSync(join(dir, STAGING_DIR))).toBe(false);
    // The restored profile's at-rest key replaced the fresh one: it opens the restored database and files.
    const key = await loadAtRestKey(vault);
    expect(key.equals(sourceKey)).toBe(true);
    const restored = makeServices({ dataDir: dir, secrets: vault, atRestKey: key });
    open.push(restored);
    expect(restored.profile.get()).toMatchObject({ name: 'Ada', tenant: 'acme' });
    const ids = (x: Services) => x.capture.listRecords(10).map((r) => r.id);
    expect(ids(restored).sort()).toEqual(ids(source).sort());
    expect(ids(restored)).toHaveLength(2);
    expect((await readAll(restored, photoHash)).equals(photo)).toBe(true);
    expect(await vault.get('device-signing-key:dev_test')).toBe('PEM-OF-THE-DEVICE');
    expect((await vault.list()).filter((n) => n.startsWith('restore-staged:'))).toEqual([]);
    // The chain is the source's, extended by the restore: it verifies and its first entries are the source's.
    expect(restored.audit.verify().valid).toBe(true);
    expect(restored.audit.get(1)?.hash).toBe(source.audit.get(1)?.hash);
    expect(restored.audit.list({ action: 'backup.restored', limit: 5 }).entries).toHaveLength(1);
    expect(restored.outbox.counts()).toEqual(source.outbox.counts());
  });

  it('refuses a wrong passphrase, a tampered, truncated or foreign file, each with its reason, and changes nothing', async () => {
    const { dir, s } = await fresh();
    const d = createDispatcher(s);
    const size = statSync(backupPath).size;
    const cases: [string, string, string][] = [
      ['wrong passphrase', backupPath, 'wrong_passphrase'],
      ['a flipped byte in the middle', copyOf((b) => ((b[Math.floor(b.length / 2)]! ^= 1), b)), 'tampered'],
      ['a flipped byte in the last frame', copyOf((b) => ((b[b.length - 5]! ^= 1), b)), 'tampered'],
      // The header's hash is in every frame's AAD.
      ['an altered header', copyOf((b) => Buffer.from(b.toString('latin1').replace('"frameBytes":1048576', '"frameBytes":1048575'), 'latin1')), 'tampered'],
      ['cut before the closing frame', copyOf((b) => b.subarray(0, size - 60)), 'truncated'],
      ['cut in half', copyOf((b) => b.subarray(0, Math.floor(size / 2))), 'truncated'],
      ['bytes appended', copyOf((b) => Buffer.concat([b, Buffer.from('x')])), 'tampered'],
      ['not a backup', copyOf(() => Buffer.from('PK\u0003\u0004 a zip file')), 'not_a_backup'],
      // Paths that would hold the restore forever or never end: refused before a byte is read.
      ['a pipe with no writer', fifoPath(), 'not_a_backup'],
      ['a device that never ends', '/dev/zero', 'not_a_backup'],
      ['a folder', tmpdir(), 'not_a_backup'],
      ['nothing there', join(tmpdir(), 'no-such-backup.maestro-backup'), 'not_a_backup'],
    ];
    for (const [what, path, reason] of cases) {
      const r = await d('backup.restore', { path, passphrase: what === 'wrong passphrase' ? 'not the passphrase' : PASS, confirm: true });
      expect({ what, r }).toMatchObject({ what, r: { ok: false, error: { code: 'BACKUP_REFUSED', details: { reason } } } });
      expect(hasPendingRestore(dir)).toBe(false);
      expect(existsSync(join(dir, STAGING_DIR))).toBe(false);
    }
    expect(s.profile.get()).toBeNull();
    expect(readdirSync(dir).filter((f) => f.startsWith('restore'))).toEqual([]);
  });

  it('refuses to restore over a device that already has a profile', async () => {
    const { s } = await fresh();
    s.profile.setup({ name: 'Bo', tenant: 'acme' });
    expect(await createDispatcher(s)('backup.restore', { path: backupPath, passphrase: PASS, confirm: true })).toMatchObject({
      ok: false,
      error: { code: 'BACKUP_REFUSED', details: { reason: 'not_fresh' } },
    });
  });

  it('a start killed while applying finishes the restore on the next start', async () => {
    const { dir, vault, s } = await fresh();
    await createDispatcher(s)('backup.restore', { path: backupPath, passphrase: PASS, confirm: true });
    s.close();
    // Simulate a start that moved the keys and the attachments, then died before the database.
    const staged = join(dir, STAGING_DIR);
    expect(existsSync(join(staged, 'maestro.db'))).toBe(true);
    truncateSync(join(dir, DB_FILE), 0);
    expect(await applyPendingRestore(dir, DB_FILE, vault)).toMatchObject({ applied: true });
    expect(await applyPendingRestore(dir, DB_FILE, vault)).toEqual({ applied: false, reason: 'none' });
    const restored = makeServices({ dataDir: dir, secrets: vault, atRestKey: await loadAtRestKey(vault) });
    open.push(restored);
    expect(restored.capture.listRecords(10)).toHaveLength(2);
  });
});
