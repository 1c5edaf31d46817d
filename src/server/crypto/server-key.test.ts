import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyIdOf, publicKeyFromRaw, rawPublicKey } from '../../platform/ed25519';
import { sha256Hex } from '../../platform/hash';
import { loadOrCreateServerKey, SERVER_KEY_FILENAME, ServerKeyError } from './server-key';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-key-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('server key', () => {
  it('is generated on first start as <db dir>/server-ed25519.pem with mode 0600, then reused', () => {
    const first = loadOrCreateServerKey({ dbDir: join(dir, 'db') });
    expect(first).toMatchObject({ created: true, looseMode: false, path: join(dir, 'db', SERVER_KEY_FILENAME) });
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.path, 'utf8')).toContain('BEGIN PRIVATE KEY');
    const second = loadOrCreateServerKey({ dbDir: join(dir, 'db') });
    expect(second.created).toBe(false);
    expect(second.key.keyId).toBe(first.key.keyId);
    expect(second.key.publicKey).toBe(first.key.publicKey);
  });

  it('keyId is the first 16 hex chars of SHA-256 over the raw 32-byte public key', () => {
    const { key } = loadOrCreateServerKey({ dbDir: dir });
    const raw = Buffer.from(key.publicKey, 'base64');
    expect(raw).toHaveLength(32);
    expect(key.keyId).toBe(sha256Hex(raw).slice(0, 16));
    expect(keyIdOf(raw)).toBe(key.keyId);
  });

  it('loads MAESTRO_SERVER_KEY_FILE (PEM PKCS#8) and signs verifiably with it', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const file = join(dir, 'k.pem');
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o644 });
    const loaded = loadOrCreateServerKey({ keyFile: file, dbDir: join(dir, 'unused') });
    expect(loaded).toMatchObject({ created: false, looseMode: true, path: file });
    expect(loaded.key.publicKey).toBe(rawPublicKey(publicKey).toString('base64'));
    const sig = loaded.key.sign('hello');
    expect(verify(null, Buffer.from('hello'), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
    expect(loaded.key.verify('hello', sig)).toBe(true);
    expect(loaded.key.verify('hullo', sig)).toBe(false);
  });

  it('refuses a missing key file, a non-PEM file and a non-Ed25519 key', () => {
    expect(() => loadOrCreateServerKey({ keyFile: join(dir, 'nope.pem'), dbDir: dir })).toThrow(ServerKeyError);
    writeFileSync(join(dir, 'junk.pem'), 'junk');
    expect(() => loadOrCreateServerKey({ keyFile: join(dir, 'junk.pem'), dbDir: dir })).toThrow(ServerKeyError);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    writeFileSync(join(dir, 'ec.pem'), ec);
    expect(() => loadOrCreateServerKey({ keyFile: join(dir, 'ec.pem'), dbDir: dir })).toThrow(/Ed25519/);
  });

  it('raw public keys round-trip through the fixed SPKI prefix; wrong lengths are refused', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = rawPublicKey(publicKey);
    const back = publicKeyFromRaw(raw);
    expect(back.export({ format: 'der', type: 'spki' })).toEqual(publicKey.export({ format: 'der', type: 'spki' }));
    expect(() => publicKeyFromRaw(raw.subarray(1))).toThrow(RangeError);
  });
});
