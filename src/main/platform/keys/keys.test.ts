import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeychainStore, VaultStore } from './index';
import { DataKeys, decryptGcm, encryptGcm } from './data-keys';
import { tempDir, makeServices, TEST_PASSPHRASE } from '../test-utils';

declare module 'vitest' {
  interface TaskMeta {
    skipReason?: string;
  }
}

describe('passphrase vault', () => {
  it('seals secrets under a scrypt key, refuses a wrong passphrase and stays locked until unlocked', async () => {
    const dir = tempDir();
    const v = new VaultStore(dir);
    await expect(v.get('x')).rejects.toThrow(/locked/);
    await v.unlock(TEST_PASSPHRASE);
    await v.set('data-key:acme:v1', 'c2VjcmV0');
    expect(readFileSync(join(dir, 'vault.json'), 'utf8')).not.toContain('c2VjcmV0');
    const again = new VaultStore(dir);
    await expect(again.unlock('wrong passphrase')).rejects.toThrow(/Wrong vault passphrase/);
    expect(again.isLocked()).toBe(true);
    await again.unlock(TEST_PASSPHRASE);
    expect(await again.get('data-key:acme:v1')).toBe('c2VjcmV0');
    expect(await again.list()).toEqual(['data-key:acme:v1']);
    await expect(new VaultStore(tempDir()).unlock('short')).rejects.toThrow(/at least 8/);
  });

  it('says where keys are kept as a message code (the Keys card words it)', () => {
    expect(new VaultStore(tempDir()).describe()).toEqual({ code: 'outbox.keys.note.vault' });
    expect(new KeychainStore({} as never, tempDir()).describe()).toEqual({ code: 'outbox.keys.note.keychain' });
  });
});

describe('data keys', () => {
  it('AES-256-GCM refuses a wrong AAD or a flipped bit', () => {
    const key = Buffer.alloc(32, 7);
    const s = encryptGcm(key, Buffer.from('payload'), 'aad-1');
    expect(decryptGcm(key, s, 'aad-1').toString()).toBe('payload');
    expect(() => decryptGcm(key, s, 'aad-2')).toThrow();
    s.ciphertext[0]! ^= 1;
    expect(() => decryptGcm(key, s, 'aad-1')).toThrow();
  });

  it('rotation adds a version for new items and keeps old ones to decrypt', async () => {
    const s = makeServices();
    const k1 = await s.dataKeys.current('acme');
    expect(k1.version).toBe(1);
    const sealed = encryptGcm(k1.key, Buffer.from('old item'), 'a');
    const k2 = await s.dataKeys.rotate('acme');
    expect(k2.version).toBe(2);
    expect((await s.dataKeys.current('acme')).version).toBe(2);
    expect(decryptGcm(await s.dataKeys.get('acme', 1), sealed, 'a').toString()).toBe('old item');
    expect(s.dataKeys.versions('acme')).toEqual([1, 2]);
    const rows = JSON.stringify(s.db.prepare('SELECT * FROM data_keys').all());
    expect(rows).not.toContain(k1.key.toString('base64'));
    void DataKeys;
  });
});

describe('OS keychain (keytar against a real Secret Service)', () => {
  it('stores, reads and deletes a secret scoped to the data directory', async (ctx) => {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
      ctx.task.meta.skipReason = 'no D-Bus session with an unlocked keyring (npm test runs this under dbus-run-session + gnome-keyring-daemon)';
      return ctx.skip(ctx.task.meta.skipReason);
    }
    const dirA = tempDir();
    const a = await KeychainStore.open(dirA);
    expect(a, 'keytar could not reach the Secret Service').not.toBeNull();
    const b = (await KeychainStore.open(tempDir()))!;
    await a!.set('data-key:acme:v1', 'secret-a');
    expect(await a!.get('data-key:acme:v1')).toBe('secret-a');
    expect(await b.get('data-key:acme:v1')).toBeNull();
    // A backup lists this profile's secrets only (not another data directory's, not the probe).
    await b.set('data-key:other:v1', 'secret-b');
    expect(await a!.list()).toEqual(['data-key:acme:v1']);
    expect(await b.list()).toEqual(['data-key:other:v1']);
    await b.delete('data-key:other:v1');
    const reopened = (await KeychainStore.open(dirA))!;
    expect(await reopened.get('data-key:acme:v1')).toBe('secret-a');
    await a!.delete('data-key:acme:v1');
    expect(await a!.get('data-key:acme:v1')).toBeNull();
  });
});
