// One-time enrollment tokens, shared by the admin API and the `enroll-token` CLI command.
// Only the SHA-256 of a token is stored: a leaked database does not leak usable tokens.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../platform/hash';
import type { Role, ServerStorage } from './storage/types';

export const DEFAULT_TOKEN_TTL_HOURS = 24;

export interface TokenRequest {
  tenant: string;
  user: string;
  role: Role;
  ttlHours?: number;
}

export const hashEnrollmentToken = (token: string): string => sha256Hex(token);

export async function createEnrollmentToken(
  storage: ServerStorage,
  now: Date,
  req: TokenRequest,
  actor: string,
): Promise<{ token: string; expiresAt: string }> {
  // 256 bits; the prefix makes a pasted token recognisable (and greppable in secret scanners).
  const token = `mst_${randomBytes(32).toString('base64url')}`;
  const tokenHash = hashEnrollmentToken(token);
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + (req.ttlHours ?? DEFAULT_TOKEN_TTL_HOURS) * 3_600_000).toISOString();
  await storage.createEnrollmentToken(
    { tokenHash, tenant: req.tenant, user: req.user, role: req.role, createdAt, expiresAt },
    {
      ts: createdAt,
      actor,
      action: 'enrollment_token.created',
      // The hash prefix identifies the token in the trail without making it usable.
      subject: `token:${tokenHash.slice(0, 16)}`,
      payload: { tenant: req.tenant, user: req.user, role: req.role, expiresAt },
    },
  );
  return { token, expiresAt };
}
