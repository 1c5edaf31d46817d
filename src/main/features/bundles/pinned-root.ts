// The trust root pinned in the app (resources/trust/root.json).
import { readFileSync } from 'node:fs';
import { compileSchema } from '../../../shared/validation';
import { ROLE_SCHEMAS } from '../../../shared/bundles/schemas';
import type { Envelope, RootMeta } from '../../../shared/bundles/types';
import { refuse } from '../../../shared/bundles/errors';
import { verifyRoleSignatures } from './keys';

/** Parse and check the pinned root: schema and its own root-role threshold. */
export function loadPinnedRoot(path: string): Envelope<RootMeta> {
  const bytes = readFileSync(path);
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return refuse('BUNDLE_METADATA_INVALID', `pinned root ${path}: not JSON (${(e as Error).message})`);
  }
  if (!compileSchema(ROLE_SCHEMAS.root as Record<string, unknown>)(v)) refuse('BUNDLE_METADATA_INVALID', `pinned root ${path}: not a root document`);
  const env = v as Envelope<RootMeta>;
  verifyRoleSignatures(env, env.signed, 'root', 'pinned root');
  return env;
}
