// Sealing: each outbox item's plaintext encrypted once under the current tenant key (or, before any
// tenant key exists, this device's own), persisted, and reused on every retry.
import { hash } from 'node:crypto';
import { canonicalJson } from '../../../shared/canonical';
import { aadBytes, type SyncItemWire } from '../../../shared/sync/protocol';
import { encryptGcm } from '../../platform/keys/data-keys';
import type { SyncDeps } from './context';
import type { OutboxRow, SealedItem } from './ports';

export const WAITING_FOR_KEY = 'Waiting for the tenant key: an admin device sends it to this device on its next sync';

const isShared = (row: OutboxRow) => row.kind === 'run' || row.kind === 'card' || row.kind === 'approval';

async function plaintextOf(d: SyncDeps, row: OutboxRow): Promise<Buffer> {
  if (isShared(row)) return d.team.plaintextOf(row);
  if (row.kind === 'record') {
    const rec = d.records.getRecord(row.record_id!);
    if (!rec) throw new Error(`record ${row.record_id} missing`);
    return Buffer.from(
      `{"contract":${JSON.stringify(rec.contract)},"createdAt":${JSON.stringify(rec.created_at)},"data":${rec.data},"kind":"record","recordId":${JSON.stringify(rec.id)}}`,
    );
  }
  const a = d.attachments.read(row.attachment_hash!);
  return Buffer.from(canonicalJson({ kind: 'attachment', hash: row.attachment_hash, mime: a.mime, name: a.name, data: a.bytes.toString('base64') }));
}

/** The sealed form of one row, or null when no key can seal it yet. */
async function sealOne(d: SyncDeps, row: OutboxRow): Promise<SealedItem | null> {
  const tenantKey = await d.tenantKeys.current(row.tenant);
  // No tenant key anywhere yet (no admin device has created one): this device's own key, as
  // before team sync. Such items are stored and receipted but never shared. Team items (runs,
  // cards, approvals) exist to be shared: they wait for the tenant key.
  const current = tenantKey ?? (d.team.tenantKeyOnServer() === false && !isShared(row) ? await d.dataKeys.current(row.tenant) : null);
  if (!current) return null;
  const s = encryptGcm(current.key, await plaintextOf(d, row), aadBytes(row.idempotency_key, row.contract, row.tenant));
  return {
    keyVersion: current.version,
    ciphertext: s.ciphertext,
    iv: s.iv.toString('base64'),
    tag: s.tag.toString('base64'),
    contentHash: hash('sha256', s.ciphertext, 'hex'),
    keyScope: tenantKey ? 'tenant' : 'device',
  };
}

/**
 * Encrypt once under the current tenant key, persist, and reuse on every retry (same bytes → same
 * contentHash). Rows that cannot be sealed yet (no tenant key has reached this device) are left out:
 * they stay queued, unsealed, with their attempts untouched.
 */
export async function sealAll(d: SyncDeps, rows: OutboxRow[]): Promise<{ ready: OutboxRow[]; waiting: Set<string> }> {
  const fresh: { row: OutboxRow; sealed: SealedItem }[] = [];
  const waiting = new Set<string>();
  for (const row of rows) {
    if (row.ciphertext) continue;
    const sealed = await sealOne(d, row);
    if (!sealed) {
      waiting.add(row.id);
      d.outbox.noteError(row.id, WAITING_FOR_KEY);
      continue;
    }
    fresh.push({ row, sealed });
  }
  const ready = rows.filter((r) => !waiting.has(r.id));
  if (fresh.length === 0) return { ready, waiting };
  d.db.transaction(() => fresh.forEach((f) => d.outbox.saveSealed(f.row.id, f.sealed)))();
  // Re-read: saveSealed never overwrites an existing ciphertext, so the stored bytes are the truth.
  return { ready: ready.map((r) => (r.ciphertext ? r : d.outbox.row(r.id))), waiting };
}

export function wire(row: OutboxRow): SyncItemWire {
  return {
    idempotencyKey: row.idempotency_key,
    contract: row.contract,
    kind: row.kind,
    createdAt: row.created_at,
    keyVersion: row.key_version!,
    ciphertext: row.ciphertext!.toString('base64'),
    iv: row.iv!,
    tag: row.tag!,
    contentHash: row.content_hash!,
    ...(row.key_scope === 'tenant' ? { keyScope: 'tenant' as const } : {}),
    ...(row.subject ? { subject: row.subject } : {}),
    ...(row.to_device ? { to: row.to_device } : {}),
  };
}
