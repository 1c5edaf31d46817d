import { prepared, type Db } from '../db/connection';
import type { Role } from '../../../shared/api/types';

export interface SyncConfig {
  serverUrl: string;
  deviceId: string;
  tenant: string;
  user: string;
  roles: Role[];
  serverKeyId: string;
  serverPublicKey: string;
  enrolledAt: string;
  contracts: Record<string, string>;
  lastSyncAt: string | null;
  lastServerTime: string | null;
}

interface Row {
  server_url: string;
  device_id: string;
  tenant: string;
  user: string;
  roles: string;
  server_key_id: string;
  server_public_key: string;
  enrolled_at: string;
  contracts: string;
  last_sync_at: string | null;
  last_server_time: string | null;
}

export function readSyncConfig(db: Db): SyncConfig | null {
  const r = prepared(db, 'SELECT * FROM sync_config WHERE singleton = 1').get() as Row | undefined;
  if (!r) return null;
  return {
    serverUrl: r.server_url,
    deviceId: r.device_id,
    tenant: r.tenant,
    user: r.user,
    roles: JSON.parse(r.roles) as Role[],
    serverKeyId: r.server_key_id,
    serverPublicKey: r.server_public_key,
    enrolledAt: r.enrolled_at,
    contracts: JSON.parse(r.contracts) as Record<string, string>,
    lastSyncAt: r.last_sync_at,
    lastServerTime: r.last_server_time,
  };
}

export function writeSyncConfig(db: Db, c: Omit<SyncConfig, 'lastSyncAt' | 'lastServerTime'>): void {
  db.prepare(
    `INSERT INTO sync_config (singleton, server_url, device_id, tenant, user, roles, server_key_id, server_public_key, enrolled_at, contracts)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(c.serverUrl, c.deviceId, c.tenant, c.user, JSON.stringify(c.roles), c.serverKeyId, c.serverPublicKey, c.enrolledAt, JSON.stringify(c.contracts));
}

export function noteSynced(db: Db, at: string, serverTime: string, contracts: Record<string, string>): void {
  prepared(db, 'UPDATE sync_config SET last_sync_at = ?, last_server_time = ?, contracts = ? WHERE singleton = 1').run(
    at,
    serverTime,
    JSON.stringify(contracts),
  );
}

/** The secret-store name of a device key a rotation created and the server has not yet confirmed (features/sync/rotate-key.ts). */
export function pendingKeyName(db: Db): string | null {
  return (db.prepare('SELECT pending_key_name AS name FROM sync_config WHERE singleton = 1').get() as { name: string | null } | undefined)?.name ?? null;
}

/** Notes (a name) or clears (null) the pending key of a rotation. */
export function setPendingKeyName(db: Db, name: string | null): void {
  db.prepare('UPDATE sync_config SET pending_key_name = ? WHERE singleton = 1').run(name);
}

/** The device signs with this key from now on; no key is pending any more. */
export function switchSigningKey(db: Db, name: string): void {
  db.prepare('UPDATE sync_config SET signing_key_name = ?, pending_key_name = NULL WHERE singleton = 1').run(name);
}
