import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../platform/test-utils';
import { sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { generateSigningKey, keyObjectOf, signBytes } from './keys';
import {
  KEY_FILE_FORMAT,
  KeyFileError,
  loadSigningKey,
  openKeychain,
  readKeychainKeyFile,
  readKeyFile,
  readPublicKeyFile,
  writeKeychainKeyFile,
  writeKeyFile,
  type Keychain,
} from './keyfile';

const same = (a: { keyid: string; privateKey: { export(o: { type: 'pkcs8'; format: 'der' }): Buffer } }, b: typeof a) => {
  expect(a.keyid).toBe(b.keyid);
  expect(a.privateKey.export({ type: 'pkcs8', format: 'der' }).equals(b.privateKey.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
};

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeyFileError);
  expect((e as KeyFileError).code).toBe(code);
  if (message) expect((e as KeyFileError).message).toMatch(message);
}

function fakeKeychain(): Keychain & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getPassword: async (s, a) => entries.get(`${s}\0${a}`) ?? null,
    setPassword: async (s, a, p) => void entries.set(`${s}\0${a}`, p),
    deletePassword: async (s, a) => entries.delete(`${s}\0${a}`),
  };
}

describe('bundle key files', () => {
  it('round-trips a key under a passphrase, mode 0600, public part readable without it', async () => {
    const dir = tempDir('maestro-keyfile-');
    const key = generateSigningKey();
    const path = join(dir, 'k.key');
    await writeKeyFile(path, key, 'correct horse');
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({
      format: KEY_FILE_FORMAT,
      keyid: key.keyid,
      public: key.publicKey,
      kdf: { name: 'scrypt', N: 32768, r: 8, p: 1 },
      cipher: { name: 'aes-256-gcm' },
    });
    expect(readFileSync(path, 'utf8')).not.toContain(key.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'));
    expect(readPublicKeyFile(path)).toEqual({ keyid: key.keyid, publicKey: key.publicKey });
    const back = await readKeyFile(path, 'correct horse');
    same(back, key);
    // The key signs like the original.
    expect(signBytes(Buffer.from('x'), back)).toEqual(signBytes(Buffer.from('x'), key));
  });

  it('refuses a wrong passphrase with a clear error', async () => {
    const dir = tempDir('maestro-keyfile-');
    const path = join(dir, 'k.key');
    await writeKeyFile(path, generateSigningKey(), 'right', { N: 1024, r: 8, p: 1 });
    await rejectsWith(readKeyFile(path, 'wrong'), 'KEYFILE_PASSPHRASE', /wrong passphrase/);
    await rejectsWith(readKeyFile(path, ''), 'KEYFILE_PASSPHRASE');
  });

  it('refuses a tampered ciphertext, tag or header', async () => {
    const dir = tempDir('maestro-keyfile-');
    const path = join(dir, 'k.key');
    await writeKeyFile(path, generateSigningKey(), 'pw', { N: 1024, r: 8, p: 1 });
    const orig = JSON.parse(readFileSync(path, 'utf8')) as { ciphertext: string; cipher: { tag: string }; kdf: { N: number } };
    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[b.length >> 1]! ^= 1;
      return b.toString('base64');
    };
    writeFileSync(path, JSON.stringify({ ...orig, ciphertext: flip(orig.ciphertext) }));
    await rejectsWith(readKeyFile(path, 'pw'), 'KEYFILE_TAMPERED');
    writeFileSync(path, JSON.stringify({ ...orig, cipher: { ...orig.cipher, tag: flip(orig.cipher.tag) } }));
    await rejectsWith(readKeyFile(path, 'pw'), 'KEYFILE_TAMPERED');
    // Another key's public half with this ciphertext: the keyid no longer matches what decrypts.
    const other = generateSigningKey();
    writeFileSync(path, JSON.stringify({ ...orig, keyid: other.keyid, public: other.publicKey }));
    await rejectsWith(readKeyFile(path, 'pw'), 'KEYFILE_TAMPERED');
    // A keyid that is not the hash of the public key is refused before any decryption.
    writeFileSync(path, JSON.stringify({ ...orig, keyid: other.keyid }));
    await rejectsWith(readKeyFile(path, 'pw'), 'KEYFILE_INVALID', /keyid/);
    writeFileSync(path, 'not json');
    await rejectsWith(readKeyFile(path, 'pw'), 'KEYFILE_INVALID');
  });

  it('keeps the private key in a keychain when asked, the file holding no ciphertext', async () => {
    const dir = tempDir('maestro-keyfile-');
    const key = generateSigningKey();
    const path = join(dir, 'k.key');
    const keychain = fakeKeychain();
    const f = await writeKeychainKeyFile(path, key, { keychain });
    expect(f.keychain).toEqual({ service: 'Maestro bundle signing keys', account: key.keyid });
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(json.ciphertext).toBeUndefined();
    expect(readPublicKeyFile(path).keyid).toBe(key.keyid);
    same(await readKeychainKeyFile(path, { keychain }), key);
    let asked = false;
    same(await loadSigningKey(path, { keychain, passphrase: () => ((asked = true), 'x') }), key);
    expect(asked).toBe(false);
    await rejectsWith(readKeyFile(path, 'x'), 'KEYFILE_INVALID', /keychain/);
    keychain.entries.clear();
    await rejectsWith(readKeychainKeyFile(path, { keychain }), 'KEYFILE_KEYCHAIN');
  });
});

describe('bundle signing keys in the OS keychain (keytar against a real Secret Service)', () => {
  it('keeps the private key in the keyring; the key file holds only the public part', async (ctx) => {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
      ctx.task.meta.skipReason = 'no D-Bus session with an unlocked keyring (npm test runs this under dbus-run-session + gnome-keyring-daemon)';
      return ctx.skip(ctx.task.meta.skipReason);
    }
    const keychain = await openKeychain();
    expect(keychain, 'keytar could not reach the Secret Service').not.toBeNull();
    const key = generateSigningKey();
    const path = join(tempDir(), 'targets.key');
    await writeKeychainKeyFile(path, key, { keychain });
    expect(readFileSync(path, 'utf8')).not.toMatch(/ciphertext/);
    const back = await loadSigningKey(path, { keychain, passphrase: () => 'unused' });
    expect(back.keyid).toBe(key.keyid);
    const msg = Buffer.from('sign me');
    expect(cryptoVerify(null, msg, keyObjectOf(key.publicKey), cryptoSign(null, msg, back.privateKey))).toBe(true);
    await keychain!.deletePassword('Maestro bundle signing keys', key.keyid);
    await expect(readKeychainKeyFile(path, { keychain })).rejects.toMatchObject({ code: 'KEYFILE_KEYCHAIN' });
  });
});
