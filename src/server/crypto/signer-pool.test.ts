import { generateKeyPairSync, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { signBase64 } from '../../platform/ed25519';
import { createSigner, INLINE_MAX, type Signer } from './signer-pool';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
let signer: Signer | undefined;
afterEach(async () => {
  await signer?.close();
});

describe('createSigner', () => {
  it.each([1, 3])('signs large batches on %i worker thread(s), in order, byte-identical to inline signing', async (threads) => {
    signer = createSigner(privateKey, threads);
    const messages = Array.from({ length: 101 }, (_, i) => `{"n":${i},"s":"ünïcödé"}`);
    const sigs = await signer.signMany(messages);
    expect(sigs).toHaveLength(101);
    // Ed25519 is deterministic: the same message always gets the same signature.
    expect(sigs).toEqual(messages.map((m) => signBase64(privateKey, m)));
    for (const [i, m] of messages.entries()) expect(verify(null, Buffer.from(m), publicKey, Buffer.from(sigs[i]!, 'base64'))).toBe(true);
  });

  it('signs small batches inline and copes with concurrent calls', async () => {
    signer = createSigner(privateKey, 2);
    expect(await signer.signMany([])).toEqual([]);
    expect(await signer.signMany(['a'])).toEqual([signBase64(privateKey, 'a')]);
    const big = (p: string) => Array.from({ length: INLINE_MAX + 5 }, (_, i) => `${p}${i}`);
    const [x, y] = await Promise.all([signer.signMany(big('x')), signer.signMany(big('y'))]);
    expect(x).toEqual(big('x').map((m) => signBase64(privateKey, m)));
    expect(y).toEqual(big('y').map((m) => signBase64(privateKey, m)));
  });
});
