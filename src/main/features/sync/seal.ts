// Sealing: each outbox item's plaintext encrypted once under the current tenant key (or, before any
// tenant key exists, this device's own), persisted, and reused on every retry.
import { hash } from 'node:crypto';
import { canonicalJson } from '../../../shared/canonical';
import { msg, type Message } from '../../../shared/messages';
import { aadBytes, type SyncItemWire } from '../../../shared/sync/protocol';
import { encryptGcm } from '../../platform/keys/data-keys';
import { chunkCountOf, CHUNK_BYTES, type AttachmentManifest } from '../../../shared/sync/attachments';
import { blobIdOf } from './chunk-crypto';
import type { SyncDeps } from './context';
import type { OutboxRow, SealedItem } from './ports';

const WAITING_FOR_ATTACHMENTS = msg('errors.sync.waiting_attachments');
const WAITING_FOR_KEY = msg('errors.sync.waiting_key');

const isShared = (row: OutboxRow) => row.kind === 'run' || row.kind === 'card' || row.kind === 'approval';

/** `sha256:<hex>` references anywhere in a record's data: the attachments it names. */
export function attachmentHashesOf(data: unknown, out = new Set<string>()): Set<string> {
  if (typeof data === 'string') {
    const m = /^sha256:([0-9a-f]{64})$/.exec(data);
    if (m) out.add(m[1]!);
  } else if (Array.isArray(data)) data.forEach((v) => attachmentHashesOf(v, out));
  else if (data && typeof data === 'object') Object.values(data).forEach((v) => attachmentHashesOf(v, out));
  return out;
}

/** Blob ids sealed earlier in this pass (an attachment before the record that names it). */
type PassBlobs = Map<string, string>;

/** The plaintext to seal and the blob ids the item names; null: wait (the reason says why). */
async function plaintextOf(
  d: SyncDeps,
  row: OutboxRow,
  key: { version: number; key: Buffer },
  pass: PassBlobs,
): Promise<{ plain: Buffer; blobIds?: string[] } | { wait: Message }> {
  if (isShared(row)) return { plain: d.team.plaintextOf(row) };
  if (row.kind === 'record') {
    const rec = d.records.getRecord(row.record_id!);
    if (!rec) throw new Error(`record ${row.record_id} missing`);
    const plain = Buffer.from(
      `{"contract":${JSON.stringify(rec.contract)},"createdAt":${JSON.stringify(rec.created_at)},"data":${rec.data},"kind":"record","locale":${JSON.stringify(rec.locale ?? 'en')},"recordId":${JSON.stringify(rec.id)}}`,
    );
    const hashes = [...attachmentHashesOf(JSON.parse(rec.data) as unknown)];
    const blobIds: string[] = [];
    for (const a of d.outbox.attachmentRows(hashes)) {
      const ids = a.blob_ids ? (JSON.parse(a.blob_ids) as string[]) : pass.has(a.attachment_hash!) ? [pass.get(a.attachment_hash!)!] : null;
      if (!ids && !a.ciphertext) return { wait: WAITING_FOR_ATTACHMENTS };
      blobIds.push(...(ids ?? []));
    }
    return { plain, blobIds };
  }
  const h = row.attachment_hash!;
  const st = d.attachments.stat(h);
  if (!st) throw new Error(`attachment ${h} missing`);
  const blob = blobIdOf(key.key, h);
  pass.set(h, blob);
  const manifest: AttachmentManifest = {
    kind: 'attachment',
    hash: h,
    name: st.name,
    mime: st.mime,
    size: st.size,
    blob,
    keyVersion: key.version,
    chunkBytes: CHUNK_BYTES,
    chunks: chunkCountOf(st.size),
  };
  return { plain: Buffer.from(canonicalJson(manifest)), blobIds: [blob] };
}

type DataKey = { version: number; key: Buffer };

/**
 * The keys of one pass, looked up once per tenant (the lookup is a query and an await; sealing asks
 * once per item). A pass takes milliseconds: a key rotated meanwhile is used from the next pass on,
 * as it would be for an item sealed a moment earlier.
 */
class PassKeys {
  private readonly tenant = new Map<string, Promise<DataKey | null>>();
  private readonly device = new Map<string, Promise<DataKey>>();
  constructor(private readonly d: SyncDeps) {}
  tenantKey(tenant: string): Promise<DataKey | null> {
    let k = this.tenant.get(tenant);
    if (!k) this.tenant.set(tenant, (k = this.d.tenantKeys.current(tenant)));
    return k;
  }
  deviceKey(tenant: string): Promise<DataKey> {
    let k = this.device.get(tenant);
    if (!k) this.device.set(tenant, (k = this.d.dataKeys.current(tenant) as Promise<DataKey>));
    return k;
  }
}

/** The sealed form of one row, or null when no key can seal it yet. */
async function sealOne(d: SyncDeps, row: OutboxRow, pass: PassBlobs, keys: PassKeys): Promise<SealedItem | { wait: Message }> {
  const tenantKey = await keys.tenantKey(row.tenant);
  // No tenant key anywhere yet (no admin device has created one): this device's own key, as
  // before team sync. Such items are stored and receipted but never shared. Team items (runs,
  // cards, approvals) exist to be shared: they wait for the tenant key.
  const current = tenantKey ?? (d.team.tenantKeyOnServer() === false && !isShared(row) ? await keys.deviceKey(row.tenant) : null);
  if (!current) return { wait: WAITING_FOR_KEY };
  const p = await plaintextOf(d, row, current, pass);
  if ('wait' in p) return p;
  const s = encryptGcm(current.key, p.plain, aadBytes(row.idempotency_key, row.contract, row.tenant));
  return {
    ...(p.blobIds ? { blobIds: p.blobIds } : {}),
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
  const pass: PassBlobs = new Map();
  const keys = new PassKeys(d);
  for (const row of rows) {
    if (row.ciphertext) continue;
    const sealed = await sealOne(d, row, pass, keys);
    if ('wait' in sealed) {
      waiting.add(row.id);
      d.outbox.noteError(row.id, sealed.wait);
      continue;
    }
    fresh.push({ row, sealed });
  }
  const ready = rows.filter((r) => !waiting.has(r.id));
  if (fresh.length === 0) return { ready, waiting };
  // One transaction for the batch. saveSealed never overwrites an existing ciphertext, so the stored
  // bytes are the truth: a row it did not write (sealed meanwhile) is read back.
  const stored = new Map<string, OutboxRow>();
  d.db.transaction(() => {
    for (const f of fresh) if (d.outbox.saveSealed(f.row.id, f.sealed)) stored.set(f.row.id, sealedRow(f.row, f.sealed));
  })();
  return { ready: ready.map((r) => (r.ciphertext ? r : (stored.get(r.id) ?? d.outbox.row(r.id)))), waiting };
}

/** The row as saveSealed stored it (the same columns, the same values). */
function sealedRow(row: OutboxRow, s: SealedItem): OutboxRow {
  return {
    ...row,
    key_version: s.keyVersion,
    ciphertext: s.ciphertext,
    iv: s.iv,
    tag: s.tag,
    content_hash: s.contentHash,
    key_scope: s.keyScope,
    blob_ids: s.blobIds ? JSON.stringify(s.blobIds) : null,
  };
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
    ...(blobIdsOf(row).length > 0 ? { attachments: blobIdsOf(row) } : {}),
  };
}

/** The blob ids an item names (sealed with it). */
export const blobIdsOf = (row: OutboxRow): string[] => (row.blob_ids ? (JSON.parse(row.blob_ids) as string[]) : []);
