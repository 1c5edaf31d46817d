import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, TEST_PASSPHRASE } from '../test-utils';
import { VaultStore } from './vault-store';
import { AT_REST_SECRET, AtRestKeyError, loadAtRestKey } from './at-rest';
import { openAtRest } from '../../app/at-rest-start';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AtRestKeyError);
    return (e as AtRestKeyError).code;
  }
  throw new Error('expected an AtRestKeyError');
}

describe('the at-rest key', () => {
  it('is 32 random bytes created once in the secret store, never in the clear in the data directory', async () => {
    const dir = tempDir();
    const vault = new VaultStore(dir);
    await vault.unlock(TEST_PASSPHRASE);
    const k = await loadAtRestKey(vault);
    expect(k).toHaveLength(32);
    expect(await loadAtRestKey(vault)).toEqual(k);
    const other = new VaultStore(tempDir());
    await other.unlock(TEST_PASSPHRASE);
    expect(await loadAtRestKey(other)).not.toEqual(k);
    expect(readFileSync(join(dir, 'vault.json'), 'utf8')).not.toContain(k.toString('hex'));
  });

  it('a locked vault gives KEYSTORE_LOCKED; a damaged stored key AT_REST_KEY_INVALID', async () => {
    const dir = tempDir();
    expect(await code(loadAtRestKey(new VaultStore(dir)))).toBe('KEYSTORE_LOCKED');
    const vault = new VaultStore(dir);
    await vault.unlock(TEST_PASSPHRASE);
    await vault.set(AT_REST_SECRET, 'abcd');
    expect(await code(loadAtRestKey(vault))).toBe('AT_REST_KEY_INVALID');
  });

  it('openAtRest unlocks a locked vault through the passphrase prompt, and stops without one', async () => {
    const dir = tempDir();
    const env = { MAESTRO_KEYSTORE: 'vault' };
    expect(await code(openAtRest(dir, undefined, env))).toBe('KEYSTORE_LOCKED');
    const first = await openAtRest(dir, async () => TEST_PASSPHRASE, env);
    const asked: number[] = [];
    const again = await openAtRest(dir, async (n) => (asked.push(n), n === 1 ? 'wrong passphrase' : TEST_PASSPHRASE), env);
    expect(asked).toEqual([1, 2]);
    expect(again.atRestKey).toEqual(first.atRestKey);
    expect(await code(openAtRest(dir, async () => null, env))).toBe('KEYSTORE_LOCKED');
    expect(await code(openAtRest(dir, async () => 'always wrong', env))).toBe('KEYSTORE_LOCKED');
  });
});
