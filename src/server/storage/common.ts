// Logic both storage backends share, kept out of SQL so the two cannot drift apart.
import type { AuditInput, ContractRef, ContractVersionRow, DeviceRecord, IngestOutcome, NewItem, Role, StoredReceipt } from './types';

export function compareContractVersions(a: ContractRef, b: ContractRef): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * Rows to insert for refs not registered yet. A version is `breaking` when its major is higher than
 * every version of that name registered before it (the first version of a name is not breaking).
 */
export function planContractRows(existing: readonly ContractVersionRow[], refs: readonly ContractRef[], at: string): ContractVersionRow[] {
  const known = new Set(existing.map((r) => `${r.name}@${r.version}`));
  const maxMajor = new Map<string, number>();
  for (const r of existing) maxMajor.set(r.name, Math.max(maxMajor.get(r.name) ?? -1, r.major));
  const fresh = refs.filter((r) => !known.has(`${r.name}@${r.version}`)).sort(compareContractVersions);
  const out: ContractVersionRow[] = [];
  for (const r of fresh) {
    if (known.has(`${r.name}@${r.version}`)) continue; // same file twice in one dir
    known.add(`${r.name}@${r.version}`);
    const prev = maxMajor.get(r.name);
    out.push({ ...r, breaking: prev !== undefined && r.major > prev, registeredAt: at });
    maxMajor.set(r.name, Math.max(prev ?? -1, r.major));
  }
  return out;
}

/** What an already-stored idempotency key means for a new item with `contentHash`. */
export function classifyExisting(stored: { contentHash: string; receipt: StoredReceipt }, contentHash: string): IngestOutcome {
  return stored.contentHash === contentHash
    ? { status: 'duplicate', receipt: stored.receipt }
    : { status: 'conflict', storedContentHash: stored.contentHash };
}

export function parseRoles(v: unknown): Role[] {
  const arr: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  if (!Array.isArray(arr)) throw new Error('devices.roles is not an array');
  return arr.filter((r): r is Role => r === 'field' || r === 'reviewer' || r === 'admin');
}

/** The server audit row written with every stored item (metadata only: never ciphertext). */
export function itemAudit(ts: string, device: string, it: NewItem, serverSeq: number): AuditInput {
  return {
    ts,
    actor: device,
    action: 'sync.item.stored',
    subject: it.idempotencyKey,
    payload: { serverSeq, contract: it.contract, kind: it.kind, contentHash: it.contentHash, bytes: it.ciphertext.length },
  };
}

/** A `devices` row as both backends return it (roles: JSON text in SQLite, text[] in PostgreSQL). */
export interface DeviceRow {
  id: string;
  tenant: string;
  user_id: string;
  roles: unknown;
  name: string;
  public_key: string;
  enrolled_at: string;
  revoked_at: string | null;
  flagged_at: string | null;
  last_sync_at: string | null;
  app_version: string | null;
  last_anchor_seq: number | string;
  last_anchor_hash: string;
}

export function toDevice(r: DeviceRow): DeviceRecord {
  return {
    id: r.id,
    tenant: r.tenant,
    user: r.user_id,
    roles: parseRoles(r.roles),
    name: r.name,
    publicKey: r.public_key,
    enrolledAt: r.enrolled_at,
    revokedAt: r.revoked_at,
    flaggedAt: r.flagged_at,
    lastSyncAt: r.last_sync_at,
    appVersion: r.app_version,
    // PostgreSQL returns bigint as text.
    lastAnchorSeq: Number(r.last_anchor_seq),
    lastAnchorHash: r.last_anchor_hash,
  };
}
