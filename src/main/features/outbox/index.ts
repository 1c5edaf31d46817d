import { hash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { AuditService } from '../../platform/audit/index';
import type { OutboxItem, OutboxState, Profile } from '../../../shared/api/types';
import type { SignedReceipt } from '../../../shared/sync/protocol';
import { idempotencyKeyInput } from '../../../shared/sync/protocol';
import { ApiError } from '../../../shared/errors';
import { decodeStoredError, encodeStoredError } from '../../../shared/error-messages';
import type { Message } from '../../../shared/messages';
import { newUlid } from '../../platform/util/ulid';
import { backoffDelayMs, BACKOFF } from './backoff';
import type { OutboxRow } from './types';

export type { OutboxRow } from './types';

export const STATES: OutboxState[] = ['queued', 'acked', 'dead', 'blocked', 'discarded'];

/** SHA-256 of canonical {tenant, device, itemId}: the same on every retry, restart and re-encryption. */
export const idempotencyKey = (tenant: string, device: string, itemId: string): string => hash('sha256', idempotencyKeyInput(tenant, device, itemId), 'hex');

function summaryOf(r: OutboxRow): string {
  switch (r.kind) {
    case 'record':
      return `${r.contract} · record ${r.record_id}`;
    case 'attachment':
      return `attachment ${r.attachment_hash?.slice(0, 12)}… for ${r.contract}`;
    case 'run':
      return `run ${r.ref_id} (shared with reviewers)`;
    case 'card':
      return `decision card ${r.ref_id} (shared with reviewers)`;
    case 'approval':
      return `decision on card ${r.subject} for device ${r.to_device}`;
  }
}

function toItem(r: OutboxRow): OutboxItem {
  const receipt = r.receipt ? (JSON.parse(r.receipt) as SignedReceipt) : null;
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    kind: r.kind,
    contract: r.contract,
    recordId: r.record_id,
    attachmentHash: r.attachment_hash,
    createdAt: r.created_at,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: decodeStoredError(r.last_error),
    contentHash: r.content_hash,
    serverSeq: r.server_seq,
    receiptVerified: r.receipt_verified === 1,
    receiptId: receipt?.receipt.receiptId ?? null,
    ackedAt: r.acked_at,
    requiredVersion: r.required_version,
    summary: summaryOf(r),
  };
}

export class Outbox {
  private readonly stmts = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly random: () => number = Math.random,
  ) {}

  /** Prepared once per SQL text: the sync loop runs these statements per item. */
  private q(sql: string): Statement {
    let st = this.stmts.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.stmts.set(sql, st);
    }
    return st;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  /** Call inside the capture transaction. */
  enqueueRecord(recordId: string, contract: string, profile: Profile, ts: string): string {
    const id = newUlid();
    this.q(
      `INSERT INTO outbox (id, idempotency_key, record_id, kind, contract, tenant, created_at, state, next_attempt_at)
         VALUES (?, ?, ?, 'record', ?, ?, ?, 'queued', ?)`,
    ).run(id, idempotencyKey(profile.tenant, profile.deviceId, id), recordId, contract, profile.tenant, ts, ts);
    return id;
  }

  /** An attachment is sent once, whichever record first references it. */
  enqueueAttachment(hashHex: string, contract: string, profile: Profile, ts: string): void {
    const exists = this.q("SELECT 1 FROM outbox WHERE attachment_hash = ? AND state != 'discarded'").pluck().get(hashHex);
    if (exists) return;
    const id = newUlid();
    this.q(
      `INSERT INTO outbox (id, idempotency_key, attachment_hash, kind, contract, tenant, created_at, state, next_attempt_at)
         VALUES (?, ?, ?, 'attachment', ?, ?, ?, 'queued', ?)`,
    ).run(id, idempotencyKey(profile.tenant, profile.deviceId, id), hashHex, contract, profile.tenant, ts, ts);
  }

  /**
   * Team sync: share a run or card snapshot (its plaintext is made when it is sealed, so one queued,
   * unsealed item per run or card carries the latest state; a new one is queued only once that one
   * is sealed), or a signed approval (`payload`, fixed now). Call inside the changing transaction.
   */
  enqueueShare(
    kind: 'run' | 'card' | 'approval',
    refId: string,
    contract: string,
    profile: Pick<Profile, 'tenant' | 'deviceId'>,
    ts: string,
    extra: { subject?: string; to?: string; payload?: string } = {},
  ): string | null {
    if (kind !== 'approval') {
      const pending = this.q("SELECT id FROM outbox WHERE kind = ? AND ref_id = ? AND state = 'queued' AND ciphertext IS NULL").pluck().get(kind, refId);
      if (pending) return null;
    }
    const id = newUlid();
    this.q(
      `INSERT INTO outbox (id, idempotency_key, kind, contract, tenant, created_at, state, next_attempt_at, ref_id, subject, to_device, payload)
         VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
    ).run(
      id,
      idempotencyKey(profile.tenant, profile.deviceId, id),
      kind,
      contract,
      profile.tenant,
      ts,
      ts,
      refId,
      extra.subject ?? null,
      extra.to ?? null,
      extra.payload ?? null,
    );
    return id;
  }

  row(id: string): OutboxRow {
    const r = this.q('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No outbox item ${id}`, { reason: 'outbox_item', id });
    return r;
  }

  /** The row, or undefined when there is none. */
  find(id: string): OutboxRow | undefined {
    return this.q('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined;
  }

  /** The state of the outbox item of each record that has one. */
  recordStates(recordIds: string[]): Map<string, OutboxState> {
    const out = new Map<string, OutboxState>();
    const st = this.q('SELECT state FROM outbox WHERE record_id = ?').pluck();
    for (const id of recordIds) {
      const s = st.get(id) as OutboxState | undefined;
      if (s !== undefined) out.set(id, s);
    }
    return out;
  }

  list(f: { state?: OutboxState; limit: number; beforeId?: string }): OutboxItem[] {
    const rows = this.q(
      `SELECT * FROM outbox WHERE (:state IS NULL OR state = :state) AND (:before IS NULL OR id < :before)
         ORDER BY id DESC LIMIT :limit`,
    ).all({ state: f.state ?? null, before: f.beforeId ?? null, limit: f.limit }) as OutboxRow[];
    return rows.map(toItem);
  }

  /** Items per state: read from outbox_state_counts, which triggers keep exact (migration 019), not counted. */
  counts(): Record<OutboxState, number> {
    const out = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<OutboxState, number>;
    for (const r of this.q('SELECT state, n FROM outbox_state_counts').all() as { state: OutboxState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  /**
   * Queued items due now, oldest first, capped by count; `skip`: ids left out (a sync run's items
   * already tried or still at the server), in the query, so the cap counts only rows it returns.
   */
  due(maxItems: number, skip?: ReadonlySet<string>): OutboxRow[] {
    if (!skip?.size)
      return this.q("SELECT * FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT ?").all(this.now(), maxItems) as OutboxRow[];
    return this.q(
      "SELECT * FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?",
    ).all(this.now(), JSON.stringify([...skip]), maxItems) as OutboxRow[];
  }

  stateOf(id: string): OutboxState | undefined {
    return this.q('SELECT state FROM outbox WHERE id = ?').pluck().get(id) as OutboxState | undefined;
  }

  dueCount(): number {
    return this.q("SELECT count(*) FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?").pluck().get(this.now()) as number;
  }

  /**
   * Persist the ciphertext once: every retry then sends identical bytes under the same key. False when
   * the row already had a ciphertext (sealed meanwhile): the stored bytes stand, these are dropped.
   */
  saveSealed(
    id: string,
    s: { keyVersion: number; ciphertext: Buffer; iv: string; tag: string; contentHash: string; keyScope: 'device' | 'tenant'; blobIds?: string[] },
  ): boolean {
    const r = this.q(
      'UPDATE outbox SET key_version = ?, ciphertext = ?, iv = ?, tag = ?, content_hash = ?, key_scope = ?, blob_ids = ? WHERE id = ? AND ciphertext IS NULL',
    ).run(s.keyVersion, s.ciphertext, s.iv, s.tag, s.contentHash, s.keyScope, s.blobIds ? JSON.stringify(s.blobIds) : null, id);
    return r.changes === 1;
  }

  /** The live (not discarded) attachment item of each file digest. */
  attachmentRows(hashes: readonly string[]): OutboxRow[] {
    const st = this.q("SELECT * FROM outbox WHERE attachment_hash = ? AND state != 'discarded' ORDER BY id LIMIT 1");
    return hashes.map((h) => st.get(h) as OutboxRow | undefined).filter((r): r is OutboxRow => r !== undefined);
  }

  markAcked(id: string, receipt: SignedReceipt): void {
    this.q("UPDATE outbox SET state = 'acked', receipt = ?, receipt_verified = 1, server_seq = ?, acked_at = ?, last_error = NULL WHERE id = ?").run(
      JSON.stringify(receipt),
      receipt.receipt.serverSeq,
      this.now(),
      id,
    );
  }

  /** Blocked until a person acts; `message` says why (a message code: the outbox view shows it in words). */
  markBlocked(id: string, requiredVersion: string | null, message: Message): void {
    this.q("UPDATE outbox SET state = 'blocked', required_version = ?, last_error = ? WHERE id = ?").run(requiredVersion, encodeStoredError(message), id);
  }

  /** A failed attempt: back off with full jitter; past the attempt limit the item is dead-lettered. */
  markFailed(id: string, reason: Message, permanent = false): OutboxState {
    const r = this.row(id);
    const attempts = r.attempts + 1;
    if (permanent || attempts >= BACKOFF.maxAttempts) {
      this.db.transaction(() => {
        this.q("UPDATE outbox SET state = 'dead', attempts = ?, last_error = ? WHERE id = ?").run(attempts, encodeStoredError(reason), id);
        this.audit.append({ actor: 'service:sync', action: 'outbox.dead_lettered', subject: id, payload: { reason, attempts } });
      })();
      return 'dead';
    }
    const next = new Date(this.clock.now().getTime() + backoffDelayMs(attempts, this.random)).toISOString();
    this.q('UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?').run(attempts, next, encodeStoredError(reason), id);
    return 'queued';
  }

  /** Transient failure that should not burn an attempt (e.g. server unreachable): retry soon. */
  noteError(id: string, reason: Message): void {
    this.q('UPDATE outbox SET last_error = ? WHERE id = ?').run(encodeStoredError(reason), id);
  }

  /**
   * The server answered for good and nothing is left to send (an approval another reviewer's decision
   * beat): discarded with the reason, audited, and not counted as a dead letter.
   */
  settle(id: string, reason: Message): void {
    this.db.transaction(() => {
      this.q("UPDATE outbox SET state = 'discarded', last_error = ? WHERE id = ? AND state = 'queued'").run(encodeStoredError(reason), id);
      this.audit.append({ actor: 'service:sync', action: 'outbox.settled', subject: id, payload: { reason } });
    })();
  }

  retry(id: string, actor: string): OutboxItem {
    const r = this.row(id);
    if (r.state !== 'dead' && r.state !== 'blocked')
      throw new ApiError('CONFLICT', `Item is ${r.state}; only dead or blocked items can be retried`, { reason: 'not_retryable', state: r.state });
    this.db.transaction(() => {
      this.q("UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ?, last_error = NULL WHERE id = ?").run(this.now(), id);
      this.audit.append({ actor, action: 'outbox.retried', subject: id, payload: { from: r.state } });
    })();
    return toItem(this.row(id));
  }

  discard(id: string, actor: string, reason: string): OutboxItem {
    const r = this.row(id);
    if (r.state !== 'dead' && r.state !== 'blocked')
      throw new ApiError('CONFLICT', `Item is ${r.state}; only dead or blocked items can be discarded`, { reason: 'not_discardable', state: r.state });
    this.db.transaction(() => {
      this.q("UPDATE outbox SET state = 'discarded' WHERE id = ?").run(id);
      this.audit.append({ actor, action: 'outbox.discarded', subject: id, payload: { reason, from: r.state, idempotencyKey: r.idempotency_key } });
    })();
    return toItem(this.row(id));
  }

  /** Pull every queued item forward (the user pressed "Sync now"). */
  makeAllDue(): void {
    this.q("UPDATE outbox SET next_attempt_at = ? WHERE state = 'queued'").run(this.now());
  }
}
