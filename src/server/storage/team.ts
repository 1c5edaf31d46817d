// Team sync (issue 9) logic both storage backends share: the team_feed rows each change appends,
// certificate rows, the checks of a POST /v1/team/keys made inside its transaction, page cutting,
// and the in-process notifier long-polling pulls wait on. Kept out of SQL so the two cannot drift.
import { canonicalJson } from '../../shared/canonical';
import { TEAM_ROLE_RANK, type DeviceEventWire, type FeedKind, type SignedCertificate } from '../../shared/team/protocol';
import {
  FEED_MIN_ROLE,
  type Certify,
  type DeviceRecord,
  type FeedItemRow,
  type NewItem,
  type Role,
  type TeamKeysWrite,
  type TeamKeysWriteResult,
} from './types';

/** One team_feed row to insert (seq and created_at come from the database and the request time). */
export interface FeedInsert {
  kind: FeedKind;
  minRole: number;
  toDevice: string | null;
  fromDevice: string | null;
  itemSeq: number | null;
  body: string | null;
}

/** Roles in rank order, each once: certificates and the devices row always carry them like this. */
export function normalizeRoles(roles: readonly Role[]): Role[] {
  return [...new Set(roles)].sort((a, b) => TEAM_ROLE_RANK[a] - TEAM_ROLE_RANK[b]);
}

export function rankOf(roles: readonly Role[]): number {
  return roles.reduce((best, r) => Math.max(best, TEAM_ROLE_RANK[r]), 0);
}

/** A certificate version about to be stored: the signed object, its stored text and its feed row. */
export interface IssuedCert {
  version: number;
  signed: SignedCertificate;
  /** canonical JSON of signed.cert (device_certs.cert_json) */
  certJson: string;
  feed: FeedInsert;
}

export function issueCert(device: DeviceRecord, at: string, certify: Certify): IssuedCert {
  const version = device.certVersion + 1;
  const signed = certify(device, version, at);
  return { version, signed, certJson: canonicalJson(signed.cert), feed: certFeedRow(signed) };
}

export function certOf(certJson: string, signature: string): SignedCertificate {
  return { cert: JSON.parse(certJson) as SignedCertificate['cert'], signature };
}

export function certFeedRow(c: SignedCertificate): FeedInsert {
  return { kind: 'cert', minRole: FEED_MIN_ROLE.everyone, toDevice: null, fromDevice: null, itemSeq: null, body: canonicalJson(c) };
}

export function eventFeedRow(type: DeviceEventWire['type'], device: DeviceRecord, at: string, reason: string | null): FeedInsert {
  const event: DeviceEventWire = { type, device: device.id, user: device.user, at, reason };
  return { kind: 'event', minRole: FEED_MIN_ROLE.admins, toDevice: null, fromDevice: null, itemSeq: null, body: canonicalJson(event) };
}

/** Only the recipient sees its wrapped key (no from_device: an admin wrapping for itself receives it too). */
export function keyFeedRow(recipient: string, json: string): FeedInsert {
  return { kind: 'key', minRole: FEED_MIN_ROLE.recipientOnly, toDevice: recipient, fromDevice: null, itemSeq: null, body: json };
}

/**
 * The feed row of a newly stored item, or null when it is not sealed under a tenant key. Reviewers
 * and admins see every shared item; an approval is also addressed to the device whose run it decides.
 */
export function itemFeedRow(sender: string, item: NewItem, serverSeq: number): FeedInsert | null {
  if (item.keyScope !== 'tenant') return null;
  return {
    kind: 'item',
    minRole: FEED_MIN_ROLE.reviewers,
    toDevice: item.kind === 'approval' ? (item.to ?? null) : null,
    fromDevice: sender,
    itemSeq: serverSeq,
    body: null,
  };
}

/** What storeTeamKeys read inside its transaction. */
export interface TeamKeysState {
  caller: DeviceRecord | null;
  /** The caller's current certificate as stored (canonical cert JSON + signature), or null. */
  callerCert: { json: string; signature: string } | null;
  /** Highest tenant key version stored (0: none). */
  latest: number;
  /** Recipients named by the request, as stored (absent: unknown device). */
  recipients: ReadonlyMap<string, DeviceRecord>;
}

type Refusal = Extract<TeamKeysWriteResult, { ok: false }>;

/** The refusal of a POST /v1/team/keys given the state inside its transaction, or null to store it. */
export function judgeTeamKeys(w: TeamKeysWrite, st: TeamKeysState): Refusal | null {
  if (!st.caller || st.caller.revokedAt !== null || st.caller.tenant !== w.tenant || !st.caller.roles.includes('admin')) {
    return { ok: false, code: 'FORBIDDEN', message: 'Admin role required to create or wrap tenant keys', details: { reason: 'role' } };
  }
  if (w.create !== null && w.create !== st.latest + 1) {
    return {
      ok: false,
      code: 'CONFLICT',
      message: `Tenant key version ${w.create} cannot be created: the latest is ${st.latest} (another admin may have created it first)`,
      details: { reason: 'key_version', latest: st.latest },
    };
  }
  const known = Math.max(st.latest, w.create ?? 0);
  for (const [index, k] of w.wrapped.entries()) {
    const bad = (code: Refusal['code'], reason: string, message: string, extra: Record<string, unknown> = {}): Refusal => ({
      ok: false,
      code,
      message: `Wrapped key ${index}: ${message}; nothing was stored`,
      details: { reason, index, ...extra },
    });
    if (!st.callerCert || st.callerCert.json !== k.wrapperCert.json || st.callerCert.signature !== k.wrapperCert.signature) {
      return bad('FORBIDDEN', 'wrapper_cert', "wrapperCert is not the wrapping device's current certificate", { certVersion: st.caller.certVersion });
    }
    if (k.version > known) return bad('VALIDATION_ERROR', 'key_version', `key version ${k.version} does not exist`, { latest: known });
    const r = st.recipients.get(k.recipient);
    if (!r || r.tenant !== w.tenant) return bad('VALIDATION_ERROR', 'recipient', `recipient ${k.recipient} is not a device of this tenant`);
    if (r.revokedAt !== null) return bad('FORBIDDEN', 'recipient_revoked', `recipient ${k.recipient} has been revoked`);
    if (r.encryptionKey === null || r.encryptionKey !== k.recipientKey) {
      return bad('VALIDATION_ERROR', 'recipient_key', `recipientKey is not the current encryption key of ${k.recipient}`);
    }
    if (r.certVersion !== k.recipientCertVersion) {
      return bad('VALIDATION_ERROR', 'recipient_cert', `recipientCertVersion ${k.recipientCertVersion} is not the current certificate of ${k.recipient}`, {
        certVersion: r.certVersion,
      });
    }
  }
  return null;
}

/** Rows of a feed page as scanned (metadata only): at most `limit`, and item bytes within `maxBytes` (one row always). */
export function cutPage<T extends { bytes: number }>(scanned: readonly T[], limit: number, maxBytes: number): { rows: T[]; hasMore: boolean } {
  const rows: T[] = [];
  let bytes = 0;
  for (const r of scanned) {
    if (rows.length >= limit) break;
    if (rows.length > 0 && bytes + r.bytes > maxBytes) break;
    bytes += r.bytes;
    rows.push(r);
  }
  return { rows, hasMore: rows.length < scanned.length };
}

/**
 * In-process listeners per tenant, told after every commit that appended feed rows of that tenant
 * (long-polling pulls wait on it). On PostgreSQL, commits by another process (a second server, the
 * CLI) reach them through LISTEN/NOTIFY (postgres-notify.ts); on SQLite those pulls see the rows at
 * their next request.
 */
export class FeedListeners {
  private readonly byTenant = new Map<string, Set<() => void>>();

  subscribe(tenant: string, listener: () => void): () => void {
    let set = this.byTenant.get(tenant);
    if (!set) {
      set = new Set();
      this.byTenant.set(tenant, set);
    }
    set.add(listener);
    return () => {
      const s = this.byTenant.get(tenant);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.byTenant.delete(tenant);
    };
  }

  /** Wakes every waiting tenant (after notifications may have been lost, e.g. a LISTEN reconnect). */
  notifyAll(): void {
    for (const tenant of [...this.byTenant.keys()]) this.notify(tenant);
  }

  notify(tenant: string): void {
    const set = this.byTenant.get(tenant);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l();
      } catch {
        // a listener's failure is its own; the others are still told
      }
    }
  }
}

/** A sync item joined to its sender, as both backends select it for a feed page. */
export interface FeedItemSqlRow {
  device: string;
  user_id: string;
  idempotency_key: string;
  contract: string;
  kind: string;
  created_at: string;
  key_version: number | string;
  key_scope: string | null;
  subject: string | null;
  to_device: string | null;
  ciphertext: Buffer;
  iv: string;
  tag: string;
  content_hash: string;
  receipt_json: string;
  receipt_sig: string;
}

export function toFeedItem(r: FeedItemSqlRow): FeedItemRow {
  return {
    from: r.device,
    fromUser: r.user_id,
    idempotencyKey: r.idempotency_key,
    contract: r.contract,
    kind: r.kind as FeedItemRow['kind'],
    createdAt: r.created_at,
    keyVersion: Number(r.key_version),
    keyScope: r.key_scope === 'tenant' ? 'tenant' : null,
    subject: r.subject,
    to: r.to_device,
    ciphertext: r.ciphertext,
    iv: r.iv,
    tag: r.tag,
    contentHash: r.content_hash,
    receipt: { json: r.receipt_json, signature: r.receipt_sig },
  };
}
