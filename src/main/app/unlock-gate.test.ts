import { describe, expect, it } from 'vitest';
import { openAtRest } from './at-rest-start';
import { createUnlockGate } from './unlock-gate';
import { tempDir } from '../platform/test-utils';

// No keychain, no MAESTRO_VAULT_PASSPHRASE: the vault starts locked and only the gate can open it.
const env = { MAESTRO_KEYSTORE: 'vault' } as NodeJS.ProcessEnv;

/** Resolves once openAtRest is waiting on the gate for a passphrase. */
async function untilAsked(gate: ReturnType<typeof createUnlockGate>): Promise<void> {
  for (let i = 0; i < 200 && !gate.waiting(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(gate.waiting()).toBe(true);
}

describe('a locked start (unlock gate)', () => {
  it('answers LOCKED to every channel but system.unlock, takes a new passphrase, then a wrong and a right one', async () => {
    const dir = tempDir();
    const gate = createUnlockGate();
    expect(await gate.dispatch('system.unlock', { passphrase: 'early-bird' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const opening = openAtRest(dir, gate.ask, env, Infinity);
    await untilAsked(gate);
    expect(await gate.dispatch('profile.get', {})).toEqual({
      ok: false,
      error: { code: 'LOCKED', message: 'Maestro is locked: choose a vault passphrase to start', details: { reason: 'keystore_locked', vault: 'new' } },
    });
    expect(await gate.dispatch('no.such', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await gate.dispatch('system.unlock', { passphrase: '' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    // A new vault wants at least 8 characters; the gate is still waiting afterwards.
    expect(await gate.dispatch('system.unlock', { passphrase: 'short' })).toMatchObject({ ok: false, error: { details: { reason: 'too_short' } } });
    const reply = gate.dispatch('system.unlock', { passphrase: 'field week passphrase' });
    const start = await opening;
    expect(start.atRestKey).toHaveLength(32);
    gate.opened();
    expect(await reply).toEqual({ ok: true, data: { unlocked: true } });
    expect(await gate.dispatch('system.unlock', { passphrase: 'anything' })).toEqual({ ok: true, data: { unlocked: true } });

    // The next start: the vault exists; a wrong passphrase is answered as wrong and asked again.
    const next = createUnlockGate();
    const reopening = openAtRest(dir, next.ask, env, Infinity);
    await untilAsked(next);
    expect(await next.dispatch('cards.list', {})).toMatchObject({ ok: false, error: { code: 'LOCKED', details: { vault: 'existing' } } });
    expect(await next.dispatch('system.unlock', { passphrase: 'not it at all' })).toEqual({
      ok: false,
      error: { code: 'UNAUTHORIZED', message: 'That passphrase does not open this vault', details: { reason: 'wrong_passphrase' } },
    });
    const ok = next.dispatch('system.unlock', { passphrase: 'field week passphrase' });
    expect((await reopening).atRestKey.equals(start.atRestKey)).toBe(true);
    next.opened();
    expect(await ok).toEqual({ ok: true, data: { unlocked: true } });
  });

  it('a start that fails after the passphrase tells the waiting call why', async () => {
    const gate = createUnlockGate();
    const asked = gate.ask(1, 'existing');
    const reply = gate.dispatch('system.unlock', { passphrase: 'the right one' });
    expect(await asked).toBe('the right one');
    gate.failed('UNAVAILABLE', 'DB_KEY_WRONG: the key does not open the database');
    expect(await reply).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'DB_KEY_WRONG: the key does not open the database' } });
  });

  it('says why in a reason the unlock screen words (errors.UNAVAILABLE.<reason>)', async () => {
    const gate = createUnlockGate();
    const asked = gate.ask(1, 'existing');
    const reply = gate.dispatch('system.unlock', { passphrase: 'the right one' });
    await asked;
    gate.failed('UNAVAILABLE', 'DB_CORRUPT: maestro.db is damaged', { reason: 'db_corrupt' });
    expect(await reply).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'DB_CORRUPT: maestro.db is damaged', details: { reason: 'db_corrupt' } } });
  });
});
