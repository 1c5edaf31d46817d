// Server key rotation on the wire (issue 18). GET /v1/server-keys: the whole chain of statements,
// for a device that enrolled after a rotation or wants to repair its ring. Replies to sync, pull and
// enrollment carry the chain (`serverKeys`) only when the request named, in H_SERVER_KEYS, a newest
// key other than the server's: older apps never send the header, so they never see a field their
// closed schemas would refuse.
import { Hono } from 'hono';
import type { SignedServerKeyStatement, ServerKeysResponse } from '../../shared/sync/server-keys';
import type { ServerDeps } from '../deps';
import type { AppEnv } from '../http';
import { keyRingOf } from '../crypto/server-key-ring';
import type { ServerKey } from '../crypto/server-key';

/** The key to name and sign with at `now` (one lookup, so the id and the signature agree). */
export const signingKey = (serverKey: ServerKey, now: Date): ServerKey => keyRingOf(serverKey).active(now);

/** The held key a stored receipt names (its late signature must be that key's), else the active one. */
export const keyForReceipt = (serverKey: ServerKey, keyId: string): ServerKey => keyRingOf(serverKey).byId(keyId) ?? serverKey;

/** `{ serverKeys }` when the device asked (header) and knows a different newest key; else nothing. */
export function serverKeysFor(serverKey: ServerKey, header: string | undefined): { serverKeys?: SignedServerKeyStatement[] } {
  if (header === undefined) return {};
  const statements = keyRingOf(serverKey).statements();
  const newest = statements[statements.length - 1]?.statement.keyId ?? keyRingOf(serverKey).root().keyId;
  return statements.length > 0 && header.trim() !== newest ? { serverKeys: [...statements] } : {};
}

export function createServerKeysRouter(deps: Pick<ServerDeps, 'serverKey'>): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.get('/', async (c) => {
    const ring = keyRingOf(deps.serverKey);
    await ring.refresh();
    const res: ServerKeysResponse = { root: ring.root(), statements: [...ring.statements()] };
    return c.json(res);
  });
  return router;
}
