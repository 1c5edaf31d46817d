// Server keys a sync reply carries (issue 18): checked against the pinned key and stored
// (platform/device/server-keys.ts); a chain that does not verify raises an alert and changes nothing.
import { msg } from '../../../shared/messages';
import type { SignedServerKeyStatement } from '../../../shared/sync/server-keys';
import { learnServerKeysAudited } from '../../platform/device/server-keys';
import type { SyncDeps } from './context';

/** True when new keys were stored (the caller re-reads its ring). */
export function learnFromReply(d: Pick<SyncDeps, 'db' | 'clock' | 'audit' | 'alerts'>, statements: readonly SignedServerKeyStatement[]): boolean {
  const r = learnServerKeysAudited(d, statements, 'service:sync');
  if (!r.ok) d.alerts.raise('SERVER_KEYS_INVALID', msg('alerts.server_keys_invalid', { reason: r.reason }));
  return r.ok && r.learned > 0;
}
