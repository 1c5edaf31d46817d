// Item-level checks of a sync batch. The server stores ciphertext it cannot read; these checks
// make sure nothing else gets in (no plaintext fields), that the stored bytes are the ones the
// device hashed, and that the item's contract is one the server accepts: records and attachments
// a registered one (same major), team items (run, card, approval) exactly TEAM_CONTRACTS[kind].
import type { ItemResult, SyncItemWire } from '../../shared/sync/protocol';
import { parseContractRef } from '../../shared/sync/protocol';
import { syncItemSchema } from '../../shared/sync/schemas';
import { TEAM_CONTRACTS, type TeamItemKind } from '../../shared/team/protocol';
import { compileSchema, describeErrors } from '../../shared/validation';
import type { ContractRegistry } from '../contracts';
import { sha256Hex } from '../../platform/hash';
import type { NewItem } from '../storage/types';

const ITEM_FIELDS = new Set<string>(Object.keys(syncItemSchema.properties));

// syncItemSchema minus the character-class pattern on `ciphertext`: checkItem decodes and
// re-encodes the ciphertext and requires the exact same text, which accepts only canonical
// base64 (a strictly narrower set than the pattern). Running a Unicode regex over ~1.4 KB per item
// was a measurable share of ingest; every other constraint, maxLength included, still applies.
// Only the JSON Schema keywords are copied (TypeBox's symbol keys are not JSON Schema).
const ciphertextRule = Object.fromEntries(Object.entries(syncItemSchema.properties.ciphertext).filter(([k]) => k !== 'pattern'));
export const serverItemSchema = { ...syncItemSchema, properties: { ...syncItemSchema.properties, ciphertext: ciphertextRule } };

/**
 * The first item property that is not a wire field (`payload`, `data`, `plaintext`, …). Any such
 * field may carry plaintext, so the whole batch is refused rather than silently dropping it.
 */
export function findPlaintextField(items: unknown): { index: number; field: string } | null {
  if (!Array.isArray(items)) return null;
  for (let index = 0; index < items.length; index++) {
    const it: unknown = items[index];
    if (typeof it !== 'object' || it === null || Array.isArray(it)) continue;
    for (const field of Object.keys(it)) if (!ITEM_FIELDS.has(field)) return { index, field };
  }
  return null;
}

export type ItemCheck = { ok: true; item: NewItem } | { ok: false; result: ItemResult };

export function checkItem(raw: unknown, contracts: ContractRegistry): ItemCheck {
  const key = typeof raw === 'object' && raw !== null ? (raw as { idempotencyKey?: unknown }).idempotencyKey : undefined;
  const idempotencyKey = typeof key === 'string' ? key : '';
  const reject = (code: NonNullable<ItemResult['error']>['code'], message: string, details?: NonNullable<ItemResult['error']>['details']): ItemCheck => ({
    ok: false,
    result: { idempotencyKey, status: 'rejected', error: details ? { code, message, details } : { code, message } },
  });

  const validate = compileSchema(serverItemSchema);
  if (!validate(raw)) return reject('VALIDATION_ERROR', 'Item does not match the sync item schema', { errors: describeErrors(validate.errors) });
  const it = raw as SyncItemWire;

  const ciphertext = Buffer.from(it.ciphertext, 'base64');
  // Only canonical base64 (no stray padding or bits): the hash must cover exactly what was sent.
  if (ciphertext.toString('base64') !== it.ciphertext) return reject('VALIDATION_ERROR', 'ciphertext is not canonical base64', { reason: 'base64' });
  if (sha256Hex(ciphertext) !== it.contentHash) {
    return reject('VALIDATION_ERROR', 'contentHash is not the SHA-256 of the ciphertext bytes', { reason: 'content_hash' });
  }

  if (isTeamKind(it.kind)) {
    const expected = TEAM_CONTRACTS[it.kind];
    if (it.contract !== expected) {
      return reject('VALIDATION_ERROR', `A ${it.kind} item carries contract ${expected}`, { reason: 'team_contract', expected });
    }
    if (it.kind === 'approval') {
      // Without these the server could neither keep the first decision per card nor route it.
      const missing = (['keyScope', 'subject', 'to'] as const).filter((f) => it[f] === undefined);
      if (missing.length > 0) {
        return reject('VALIDATION_ERROR', `An approval item needs ${missing.join(', ')}`, { reason: 'approval_fields', missing });
      }
    }
  } else {
    const ref = parseContractRef(it.contract);
    const current = ref ? contracts.current(ref.name) : undefined;
    if (!ref || !current) return reject('CONTRACT_UNKNOWN', `Contract ${ref?.name ?? it.contract} is not registered on this server`);
    if (ref.major !== current.major) {
      return reject('CONTRACT_BREAKING', `Contract ${ref.name} is at ${current.version} on this server; major ${ref.major} is incompatible`, {
        // The full ref (name@version), so a device can show exactly which form version it must install.
        requiredVersion: `${current.name}@${current.version}`,
      });
    }
  }

  return {
    ok: true,
    item: {
      idempotencyKey: it.idempotencyKey,
      contract: it.contract,
      kind: it.kind,
      createdAt: it.createdAt,
      keyVersion: it.keyVersion,
      ciphertext,
      iv: it.iv,
      tag: it.tag,
      contentHash: it.contentHash,
      keyScope: it.keyScope ?? null,
      subject: it.subject ?? null,
      to: it.to ?? null,
      attachments: it.attachments ?? [],
    },
  };
}

export function isTeamKind(kind: SyncItemWire['kind']): kind is TeamItemKind {
  return Object.hasOwn(TEAM_CONTRACTS, kind);
}
