// The app when it starts with its vault locked (no OS keychain answered and no MAESTRO_VAULT_PASSPHRASE):
// the renderer is served at once and shows the unlock screen, because every channel but `system.unlock`
// answers LOCKED (details.vault: 'new' when the person is choosing a passphrase, 'existing' when they
// type theirs). openAtRest asks the gate for a passphrase (`ask`); the gate hands it the one the person
// sent and answers their `system.unlock` call once the outcome is known: the next `ask` means it was
// wrong; `opened` means the database is open and the full API is being served. The web host and the
// Electron main process both serve this dispatcher until the app opens (decision 0019).
import { channelSchemas } from '../../shared/api/index';
import type { ApiResult } from '../../shared/errors';
import { compileSchema, describeErrors } from '../../shared/validation';
import type { Dispatch } from './dispatch';

/** What a new vault's passphrase must have (the same floor as keys.unlock). */
export const NEW_VAULT_MIN_CHARS = 8;

type Reply = (r: ApiResult<unknown>) => void;

export interface UnlockGate {
  /** For openAtRest: the next passphrase the person sends (attempt > 1: the last one was wrong). */
  ask(attempt: number, vault: 'new' | 'existing'): Promise<string | null>;
  /** The dispatcher while locked. */
  dispatch: Dispatch;
  /** The app is open: answer the waiting unlock call; later calls answer `unlocked` at once. */
  opened(): void;
  /** Opening failed after the passphrase was right (a damaged database, say): the call gets why (`details.reason`: the UI's words). */
  failed(code: 'INTERNAL' | 'UNAVAILABLE', message: string, details?: Record<string, unknown>): void;
  /** Whether a passphrase is being waited for (the person has something to do). */
  waiting(): boolean;
}

export function createUnlockGate(): UnlockGate {
  const unlockReq = compileSchema(channelSchemas['system.unlock'].req);
  let asked: { resolve: (pass: string) => void; vault: 'new' | 'existing' } | null = null;
  let reply: Reply | null = null;
  let vault: 'new' | 'existing' = 'existing';
  let open = false;

  const answer = (r: ApiResult<unknown>) => {
    const send = reply;
    reply = null;
    send?.(r);
  };

  const unlock = (input: unknown): Promise<ApiResult<unknown>> | ApiResult<unknown> => {
    if (!unlockReq(input ?? {})) {
      return { ok: false, error: { code: 'VALIDATION_ERROR', message: 'system.unlock request is invalid', details: describeErrors(unlockReq.errors) } };
    }
    if (open) return { ok: true, data: { unlocked: true } };
    const { passphrase } = input as { passphrase: string };
    if (!asked || reply) return { ok: false, error: { code: 'CONFLICT', message: 'A passphrase is being checked already: wait for its answer' } };
    if (asked.vault === 'new' && passphrase.length < NEW_VAULT_MIN_CHARS) {
      return {
        ok: false,
        error: { code: 'VALIDATION_ERROR', message: `Choose a passphrase of at least ${NEW_VAULT_MIN_CHARS} characters`, details: { reason: 'too_short' } },
      };
    }
    const take = asked;
    asked = null;
    return new Promise((resolve) => {
      reply = resolve;
      take.resolve(passphrase);
    });
  };

  return {
    ask(attempt, v) {
      vault = v;
      if (attempt > 1) {
        answer({ ok: false, error: { code: 'UNAUTHORIZED', message: 'That passphrase does not open this vault', details: { reason: 'wrong_passphrase' } } });
      }
      return new Promise((resolve) => {
        asked = { resolve, vault: v };
      });
    },
    dispatch: (channel, input) => {
      if (typeof channel !== 'string' || !Object.prototype.hasOwnProperty.call(channelSchemas, channel)) {
        return Promise.resolve({
          ok: false,
          error: { code: 'NOT_FOUND', message: `Unknown channel ${String(channel).slice(0, 80)}`, details: { reason: 'channel' } },
        });
      }
      if (channel === 'system.unlock') return Promise.resolve(unlock(input));
      const message = vault === 'new' ? 'Maestro is locked: choose a vault passphrase to start' : 'Maestro is locked: enter the vault passphrase to open it';
      return Promise.resolve({ ok: false, error: { code: 'LOCKED', message, details: { reason: 'keystore_locked', vault } } });
    },
    opened() {
      open = true;
      answer({ ok: true, data: { unlocked: true } });
    },
    failed(code, message, details) {
      answer({ ok: false, error: details ? { code, message, details } : { code, message } });
    },
    waiting: () => asked !== null,
  };
}
