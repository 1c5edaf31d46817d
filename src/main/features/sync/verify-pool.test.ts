import { afterAll, expect, it } from 'vitest';
import { generateKeyPairSync, sign } from 'node:crypto';
import { VerifyPool } from './verify-pool';
import { DEFAULT_RESOURCES_DIR } from '../../app/services';

const pool = new VerifyPool(DEFAULT_RESOURCES_DIR, 2);
afterAll(() => pool.close());

it('checks every signature in worker threads and reports exactly the bad ones', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const items: [string, string][] = Array.from({ length: 200 }, (_, i) => {
    const msg = `{"receipt":${i},"note":"é€😀"}`;
    return [msg, sign(null, Buffer.from(msg), privateKey).toString('base64')];
  });
  items[3] = [items[3]![0] + ' ', items[3]![1]]; // message changed
  items[50] = [items[50]![0], items[51]![1]]; // another item's signature
  items[120] = [items[120]![0], 'AAAA']; // wrong length
  items[199] = [items[199]![0], Buffer.alloc(64).toString('base64')]; // zeros
  const ok = await pool.verifyAll(publicKey, items);
  expect(ok).toHaveLength(200);
  expect(ok.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0)).toEqual([3, 50, 120, 199]);
  // Below the parallel threshold the same answers come from the main thread.
  expect(await pool.verifyAll(publicKey, items.slice(0, 5))).toEqual([true, true, true, false, true]);
});

it('a worker that dies mid-check fails that call (nothing counts as verified) and the next call starts fresh workers', async () => {
  const p = new VerifyPool(DEFAULT_RESOURCES_DIR, 2);
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const items: [string, string][] = Array.from({ length: 2000 }, (_, i) => {
      const msg = `{"receipt":${i}}`;
      return [msg, sign(null, Buffer.from(msg), privateKey).toString('base64')];
    });
    const call = p.verifyAll(publicKey, items);
    const workers = (p as unknown as { workers: { terminate(): Promise<number> }[] }).workers;
    expect(workers.length).toBe(2);
    await workers[0]!.terminate();
    await expect(call).rejects.toThrow(/verify worker exited/);
    expect(await p.verifyAll(publicKey, items)).toEqual(items.map(() => true));
  } finally {
    await p.close();
  }
});
