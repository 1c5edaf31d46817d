// Introducing a new server signing key (issue 18): a statement naming the new key, its predecessor
// and the validity, signed by the current key (the authorisation) and by the new key (proof of
// possession), canonical JSON. Recorded only when it chains from the newest key in server_keys,
// that key's window has started, and both signatures verify; otherwise nothing is stored.
import { verifyServerKeyChain } from '../../platform/server-key-chain';
import { serverKeyStatementBytes, type ServerKeyStatement, type SignedServerKeyStatement } from '../../shared/sync/server-keys';
import type { ServerStorage } from '../storage/types';
import type { ServerKey } from './server-key';
import type { ServerKeyRing } from './server-key-ring';

export type RecordResult =
  { ok: true; statement: SignedServerKeyStatement } | { ok: false; code: 'NOT_CURRENT_KEY' | 'KEY_PENDING' | 'BAD_STATEMENT' | 'RACE'; reason: string };

/** Checks `signed` against the chain as stored now and appends it (audit `server_key.introduced`). */
export async function recordServerKeyStatement(
  storage: ServerStorage,
  ring: ServerKeyRing,
  signed: SignedServerKeyStatement,
  now: Date,
  actor: string,
): Promise<RecordResult> {
  await ring.refresh();
  const windows = ring.windows();
  const head = windows[windows.length - 1]!;
  const s = signed.statement;
  if (s.previousKeyId !== head.keyId || s.previousPublicKey !== head.publicKey) {
    return { ok: false, code: 'NOT_CURRENT_KEY', reason: `the statement must be signed by the current key ${head.keyId}, not ${s.previousKeyId}` };
  }
  if (head.validFrom !== null && Date.parse(head.validFrom) > now.getTime()) {
    return { ok: false, code: 'KEY_PENDING', reason: `key ${head.keyId} is not valid before ${head.validFrom}; introduce the next one after that` };
  }
  const check = verifyServerKeyChain(ring.root(), [...ring.statements(), signed]);
  if (!check.ok) return { ok: false, code: s.seq === head.seq + 1 ? 'BAD_STATEMENT' : 'NOT_CURRENT_KEY', reason: check.reason };
  const at = now.toISOString();
  const stored = await storage.appendServerKey(
    { keyId: s.keyId, seq: s.seq, publicKey: s.publicKey, statementJson: JSON.stringify(signed), validFrom: s.validFrom, createdAt: at },
    head.keyId,
    {
      ts: at,
      actor,
      action: 'server_key.introduced',
      subject: s.keyId,
      payload: { keyId: s.keyId, previousKeyId: s.previousKeyId, seq: s.seq, validFrom: s.validFrom, previousValidUntil: s.previousValidUntil },
    },
  );
  if (!stored) return { ok: false, code: 'RACE', reason: 'another key was introduced at the same time; nothing was stored' };
  await ring.refresh();
  return { ok: true, statement: signed };
}

/** The statement introducing `next` after `current`, signed by both. */
export function signServerKeyStatement(
  current: ServerKey,
  next: ServerKey,
  seq: number,
  v: { validFrom: Date; previousValidUntil: Date; issuedAt: Date },
): SignedServerKeyStatement {
  const statement: ServerKeyStatement = {
    type: 'maestro.server-key.v1',
    keyId: next.keyId,
    publicKey: next.publicKey,
    previousKeyId: current.keyId,
    previousPublicKey: current.publicKey,
    seq,
    validFrom: v.validFrom.toISOString(),
    previousValidUntil: v.previousValidUntil.toISOString(),
    issuedAt: v.issuedAt.toISOString(),
  };
  const bytes = serverKeyStatementBytes(statement);
  return { statement, sigPrev: current.sign(bytes), sigNew: next.sign(bytes) };
}

/** Signs with the current key (which must be the newest in the chain) and the new key, then records. */
export async function introduceServerKey(
  storage: ServerStorage,
  ring: ServerKeyRing,
  o: { current: ServerKey; next: ServerKey; validFrom: Date; previousValidUntil: Date; now: Date; actor: string },
): Promise<RecordResult> {
  await ring.refresh();
  const head = ring.windows()[ring.windows().length - 1]!;
  const signed = signServerKeyStatement(o.current, o.next, head.seq + 1, { validFrom: o.validFrom, previousValidUntil: o.previousValidUntil, issuedAt: o.now });
  return recordServerKeyStatement(storage, ring, signed, o.now, o.actor);
}
