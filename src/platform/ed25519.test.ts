import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeCanonicalBase64,
  keyIdOf,
  newKeyPair,
  privateKeyFromPem,
  publicKeyFromRaw,
  rawPublicKey,
  rawPublicKeyBase64,
  signBase64,
  verifyBase64,
} from './ed25519';
import { sha256Hex } from './hash';

const pair = () => generateKeyPairSync('ed25519');

describe('ed25519', () => {
  it('round-trips a raw public key given as bytes or as base64', () => {
    const { publicKey, privateKey } = pair();
    const raw = rawPublicKey(publicKey);
    expect(raw.length).toBe(32);
    expect(rawPublicKey(privateKey).equals(raw)).toBe(true);
    expect(rawPublicKey(publicKeyFromRaw(raw)).equals(raw)).toBe(true);
    expect(rawPublicKeyBase64(publicKeyFromRaw(raw.toString('base64')))).toBe(raw.toString('base64'));
    expect(keyIdOf(raw)).toBe(sha256Hex(raw).slice(0, 16));
  });

  it('signs and verifies strings (as UTF-8) and bytes', () => {
    const { publicKey, privateKey } = pair();
    expect(verifyBase64(publicKey, 'héllo', signBase64(privateKey, 'héllo'))).toBe(true);
    expect(verifyBase64(publicKey, Buffer.from('héllo', 'utf8'), signBase64(privateKey, 'héllo'))).toBe(true);
    expect(verifyBase64(publicKey, 'hello', signBase64(privateKey, 'héllo'))).toBe(false);
    expect(verifyBase64(pair().publicKey, 'héllo', signBase64(privateKey, 'héllo'))).toBe(false);
  });

  it('a new pair: PEM private key and raw base64 public key that belong together', () => {
    const kp = newKeyPair();
    const key = privateKeyFromPem(kp.privatePem);
    expect(rawPublicKeyBase64(key)).toBe(kp.publicRaw);
    expect(verifyBase64(publicKeyFromRaw(kp.publicRaw), 'm', signBase64(key, 'm'))).toBe(true);
  });

  it('refuses a public key of the wrong length, or not in canonical base64', () => {
    expect(() => publicKeyFromRaw(Buffer.alloc(31))).toThrow(RangeError);
    expect(() => publicKeyFromRaw(Buffer.alloc(33))).toThrow(RangeError);
    expect(() => publicKeyFromRaw(Buffer.alloc(31).toString('base64'))).toThrow(/32 bytes/);
    const b64 = rawPublicKeyBase64(pair().publicKey);
    expect(() => publicKeyFromRaw(b64.replace(/=$/, ''))).toThrow(/canonical/);
    expect(() => publicKeyFromRaw(`${b64}\n`)).toThrow(/canonical/);
  });

  it('refuses a signature of the wrong length or in non-canonical base64, without throwing', () => {
    const { publicKey, privateKey } = pair();
    const sig = signBase64(privateKey, 'm');
    const bytes = Buffer.from(sig, 'base64');
    expect(verifyBase64(publicKey, 'm', sig)).toBe(true);
    expect(verifyBase64(publicKey, 'm', bytes.subarray(0, 63).toString('base64'))).toBe(false);
    expect(verifyBase64(publicKey, 'm', Buffer.concat([bytes, Buffer.alloc(1)]).toString('base64'))).toBe(false);
    expect(verifyBase64(publicKey, 'm', sig.replace(/==$/, ''))).toBe(false); // unpadded
    expect(verifyBase64(publicKey, 'm', ` ${sig}`)).toBe(false);
    expect(verifyBase64(publicKey, 'm', '')).toBe(false);
    expect(verifyBase64(publicKey, 'm', 'not base64 at all!')).toBe(false);
  });

  it('non-canonical base64 is told apart from canonical', () => {
    expect(decodeCanonicalBase64('AAE=')).toEqual(Buffer.from([0, 1]));
    expect(decodeCanonicalBase64('AAF=')).toBeNull(); // non-zero padding bits
    expect(decodeCanonicalBase64('AAE')).toBeNull();
  });
});
