import { randomBytes } from 'node:crypto';

/** Random identifier with a readable prefix (`dev_…`, `prof_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
