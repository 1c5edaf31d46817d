// One item of the team feed, checked before anything is written: a certificate, a device event, a
// tenant key wrapped for this device, or a sealed item (record, attachment, run, card, approval) whose
// receipt, hash and seal are checked and whose plaintext has the shape its kind promises. What
// passes comes back as an `apply` that the page's transaction runs.
import { hash, type KeyObject } from 'node:crypto';
import type { DeviceKeyRing } from '../../platform/device/server-keys';
import type { DeviceCertificate, FeedItemWire, SignedApproval } from '../../../shared/team/protocol';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { RunSummary } from '../../../shared/workflow/views';
import { decisionContextSchema, type DecisionContext } from '../../../shared/workflow/decision-context';
import { compileSchema } from '../../../shared/validation';
import { aadBytes, receiptSigningBytes } from '../../../shared/sync/protocol';
import { receiptMismatch } from '../../../shared/sync/receipt-match';
import { decryptGcm } from '../../platform/keys/data-keys';
import type { SyncConfig } from '../../platform/device/sync-config';
import { SERVICE, type EncKeys, type TeamCore } from './core';
import type { CertStore } from './cert-store';
import { unwrapTenantKey } from './crypto';
import { verifyCertificate, verifyWrappedKey } from './certs';

/** A shared run's decision context as stored (JSON), or null: absent, or not the shape it promises (the run still applies). */
function contextOf(v: unknown, runId: string): string | null {
  if (v === undefined || v === null || !compileSchema(decisionContextSchema)(v) || (v as DecisionContext).runId !== runId) return null;
  return JSON.stringify(v);
}

/** A receipt signature to check: with the key it names (null: not one this device trusts at its time). */
export type ReceiptCheck = { key: KeyObject | null; bytes: string; signature: string };

export type Prepared = { ok: true; apply: () => void; receipt?: ReceiptCheck } | { ok: false; code: string; message: string; refuse?: boolean };

/** What one page's items are checked against. */
export interface ItemContext {
  cfg: SyncConfig;
  serverKey: DeviceKeyRing;
  /** The newest certificate of a device, counting those earlier in the same page. */
  latest: (device: string) => DeviceCertificate | null;
  pageCerts: Map<string, DeviceCertificate>;
  enc: EncKeys;
}

type Sealed = NonNullable<FeedItemWire['item']>;
type Opened = { seq: number; from: string; fromUser: string; wire: Sealed['wire']; body: Record<string, unknown>; rc: ReceiptCheck; now: string };

export class FeedItems {
  constructor(
    private readonly core: TeamCore,
    private readonly certs: CertStore,
  ) {}

  async prepare(ctx: ItemContext, it: FeedItemWire): Promise<Prepared> {
    if (it.kind === 'cert' && it.cert) return this.cert(ctx, it.cert);
    if (it.kind === 'event' && it.event) {
      const e = it.event;
      const db = this.core.d.db;
      return {
        ok: true,
        apply: () =>
          db
            .prepare('INSERT OR IGNORE INTO team_events (seq, type, device, user, at, reason) VALUES (?, ?, ?, ?, ?, ?)')
            .run(it.seq, e.type, e.device, e.user, e.at, e.reason),
      };
    }
    if (it.kind === 'key' && it.key) return this.key(ctx, it.key);
    if (it.kind !== 'item' || !it.item) return { ok: false, code: 'PULL_MALFORMED', message: `Feed item ${it.seq} of kind ${it.kind} has no body` };
    const opened = this.open(ctx.cfg, ctx.serverKey, it.seq, it.item);
    if (!opened.ok) return opened;
    return this.sealed(ctx.cfg, opened.item);
  }

  private cert(ctx: ItemContext, sc: NonNullable<FeedItemWire['cert']>): Prepared {
    const check = verifyCertificate(sc, ctx.serverKey, { tenant: ctx.cfg.tenant });
    if (!check.ok) return { ok: false, code: 'PULL_CERT_INVALID', message: `${check.code}: ${check.message}` };
    const cur = ctx.pageCerts.get(sc.cert.device);
    if (!cur || sc.cert.certVersion > cur.certVersion) ctx.pageCerts.set(sc.cert.device, sc.cert);
    return { ok: true, apply: () => this.certs.store(sc) };
  }

  /** A tenant key wrapped for this device: verified, unwrapped and stashed now, listed when the page commits. */
  async key(ctx: ItemContext, w: NonNullable<FeedItemWire['key']>): Promise<Prepared> {
    const { cfg, enc } = ctx;
    const d = this.core.d;
    if (!enc.encPem || !enc.encPub) return { ok: false, code: 'KEY_WRONG_RECIPIENT', message: 'This device has no encryption key', refuse: true };
    const check = verifyWrappedKey(w, {
      serverKey: ctx.serverKey,
      tenant: cfg.tenant,
      device: cfg.deviceId,
      encryptionKey: enc.encPub,
      latestCert: ctx.latest,
      now: d.clock.now(),
    });
    if (!check.ok) return { ok: false, code: check.code, message: check.message, refuse: true };
    let key: Buffer;
    try {
      key = unwrapTenantKey(w, enc.encPem);
    } catch (e) {
      return { ok: false, code: 'KEY_UNWRAP_FAILED', message: (e as Error).message, refuse: true };
    }
    if (!d.tenantKeys.has(cfg.tenant, w.body.keyVersion)) await d.tenantKeys.stash(cfg.tenant, w.body.keyVersion, key);
    return {
      ok: true,
      apply: () => {
        const first = d.tenantKeys.currentVersion(cfg.tenant) === null;
        d.tenantKeys.list(cfg.tenant, w.body.keyVersion, 'unwrapped', w.body.wrappedBy);
        if (first) this.core.firstKeyArrived();
        d.audit.append({
          actor: SERVICE,
          action: 'team.key_received',
          subject: cfg.tenant,
          payload: { version: w.body.keyVersion, wrappedBy: w.body.wrappedBy },
        });
      },
    };
  }

  /** Receipt, content hash and seal of a sealed item; its plaintext as JSON. */
  private open(cfg: SyncConfig, ring: DeviceKeyRing, seq: number, item: Sealed): { ok: true; item: Opened } | { ok: false; code: string; message: string } {
    const { from, fromUser, wire, receipt } = item;
    const mismatch = receiptMismatch(receipt, {
      tenant: cfg.tenant,
      device: from,
      idempotencyKey: wire.idempotencyKey,
      contentHash: wire.contentHash,
      serverKeyId: ring,
      attachments: wire.attachments ?? [],
    });
    const ciphertext = Buffer.from(wire.ciphertext, 'base64');
    if (mismatch || hash('sha256', ciphertext, 'hex') !== wire.contentHash)
      return { ok: false, code: 'PULL_RECEIPT_INVALID', message: mismatch ?? 'contentHash is not the SHA-256 of the ciphertext' };
    const key = this.core.d.tenantKeys.cached(cfg.tenant, wire.keyVersion);
    if (!key) return { ok: false, code: 'PULL_KEY_MISSING', message: `Tenant key version ${wire.keyVersion} has not reached this device` };
    let body: Record<string, unknown>;
    try {
      const plain = decryptGcm(
        key,
        { ciphertext, iv: Buffer.from(wire.iv, 'base64'), tag: Buffer.from(wire.tag, 'base64') },
        aadBytes(wire.idempotencyKey, wire.contract, cfg.tenant),
      );
      body = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      return { ok: false, code: 'PULL_DECRYPT_FAILED', message: `Item ${seq} from ${from} does not decrypt: ${(e as Error).message}` };
    }
    const rc: ReceiptCheck = {
      key: ring.keyFor(receipt.receipt.serverKeyId, receipt.receipt.receivedAt),
      bytes: receiptSigningBytes(receipt.receipt),
      signature: receipt.signature,
    };
    return { ok: true, item: { seq, from, fromUser, wire, body, rc, now: this.core.now() } };
  }

  private sealed(cfg: SyncConfig, o: Opened): Prepared {
    const malformed = (): Prepared => ({ ok: false, code: 'PULL_MALFORMED', message: `Item ${o.seq} (${o.wire.kind}) from ${o.from} has an unexpected shape` });
    if (o.body.kind !== o.wire.kind) return malformed();
    let apply: (() => void) | null = null;
    switch (o.wire.kind) {
      case 'record':
        apply = this.record(o);
        break;
      case 'attachment':
        apply = this.attachment(o);
        break;
      case 'run':
        apply = this.run(o);
        break;
      case 'card':
        apply = this.card(o);
        break;
      case 'approval':
        apply = this.approval(cfg, o);
        break;
    }
    return apply ? { ok: true, receipt: o.rc, apply } : malformed();
  }

  private record(o: Opened): (() => void) | null {
    const { body } = o;
    const recordId = body.recordId;
    if (typeof recordId !== 'string' || typeof body.contract !== 'string' || typeof body.createdAt !== 'string') return null;
    const db = this.core.d.db;
    return () =>
      db
        .prepare(
          'INSERT OR IGNORE INTO team_records (device, item_id, user, kind, contract, created_at, body, seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(o.from, recordId, o.fromUser, 'record', body.contract as string, body.createdAt as string, JSON.stringify(body.data ?? null), o.seq, o.now);
  }

  private attachment(o: Opened): (() => void) | null {
    const { body } = o;
    const h = body.hash;
    if (typeof h !== 'string') return null;
    // Chunked (decision 0020): the item is the file's manifest; the bytes are fetched when opened.
    if (typeof body.blob === 'string') return o.wire.attachments?.includes(body.blob) ? this.attachmentRow(o, h, body) : null;
    if (typeof body.data !== 'string') return null;
    const bytes = Buffer.from(body.data, 'base64');
    if (`sha256:${hash('sha256', bytes, 'hex')}` !== h && hash('sha256', bytes, 'hex') !== h) return null;
    const d = this.core.d;
    const row = this.attachmentRow(o, h, { hash: h, name: body.name, mime: body.mime, size: bytes.length });
    return () => {
      d.attachments.put(bytes, String(body.name ?? 'attachment'), String(body.mime ?? 'application/octet-stream'), o.now);
      row();
    };
  }

  private attachmentRow(o: Opened, h: string, view: Record<string, unknown>): () => void {
    const { kind: _kind, ...rest } = view;
    const db = this.core.d.db;
    return () =>
      db
        .prepare(
          'INSERT OR IGNORE INTO team_records (device, item_id, user, kind, contract, created_at, body, seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(o.from, h, o.fromUser, 'attachment', o.wire.contract, o.wire.createdAt, JSON.stringify(rest), o.seq, o.now);
  }

  private run(o: Opened): (() => void) | null {
    const run = o.body.run as RunSummary | undefined;
    if (!run || typeof run.id !== 'string' || typeof run.updatedAt !== 'string') return null;
    const awaiting = typeof o.body.awaitingCard === 'string' ? o.body.awaitingCard : null;
    // What the reviewer decides on (absent from snapshots of devices before it was shared).
    const context = contextOf(o.body.context, run.id);
    const db = this.core.d.db;
    return () => {
      db.prepare(
        `INSERT INTO team_runs (device, run_id, user, status, awaiting_card, updated_at, created_at, body, seq, received_at, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(device, run_id) DO UPDATE SET status = excluded.status, awaiting_card = excluded.awaiting_card, updated_at = excluded.updated_at,
         body = excluded.body, seq = excluded.seq, received_at = excluded.received_at, user = excluded.user, context = coalesce(excluded.context, team_runs.context)
         WHERE excluded.updated_at >= team_runs.updated_at`,
      ).run(o.from, run.id, o.fromUser, run.status, awaiting, run.updatedAt, run.createdAt, JSON.stringify(run), o.seq, o.now, context);
      if (run.status !== 'awaiting_approval') {
        db.prepare("UPDATE team_decisions SET state = 'applied', updated_at = ? WHERE device = ? AND run_id = ? AND state = 'accepted'").run(
          o.now,
          o.from,
          run.id,
        );
      }
    };
  }

  private card(o: Opened): (() => void) | null {
    const card = o.body.card as DecisionCard | undefined;
    if (!card || typeof card.id !== 'string' || typeof card.createdAt !== 'string') return null;
    const db = this.core.d.db;
    return () => {
      db.prepare(
        `INSERT INTO team_cards (device, card_id, user, run_id, created_at, lane, status, body, seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(device, card_id) DO UPDATE SET status = excluded.status, body = excluded.body, seq = excluded.seq, received_at = excluded.received_at`,
      ).run(o.from, card.id, o.fromUser, card.runId, card.createdAt, card.lane, card.status, JSON.stringify(card), o.seq, o.now);
      const via = card.approval.via;
      if (via)
        db.prepare("UPDATE team_decisions SET state = 'applied', updated_at = ? WHERE approval_id = ? AND state IN ('queued','accepted')").run(
          o.now,
          via.approvalId,
        );
    };
  }

  private approval(cfg: SyncConfig, o: Opened): (() => void) | null {
    const sa = o.body.approval as SignedApproval | undefined;
    const s = sa?.statement;
    if (!sa || !s || typeof s.approvalId !== 'string' || typeof s.cardId !== 'string' || typeof s.runDevice !== 'string') return null;
    const db = this.core.d.db;
    return () => {
      const mine = s.runDevice === cfg.deviceId;
      const before = db.prepare('SELECT seq FROM team_inbox WHERE approval_id = ?').pluck().get(s.approvalId) as number | undefined;
      if (before !== undefined && before !== o.seq) {
        // The same signed approval delivered again in another item: a replay, refused and recorded.
        if (mine) this.core.refuse(o.seq, 'approval', o.from, s.cardId, 'APPROVAL_REPLAY', `approval ${s.approvalId} was already delivered (item ${before})`);
        return;
      }
      db.prepare(
        `INSERT OR IGNORE INTO team_inbox (approval_id, seq, from_device, run_device, card_id, body, state, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(s.approvalId, o.seq, o.from, s.runDevice, s.cardId, JSON.stringify(sa), mine ? 'pending' : 'seen', o.now);
      // A reviewer whose own decision on this card lost sees who won.
      db.prepare(
        `UPDATE team_decisions SET state = 'conflict', message = ?, updated_at = ? WHERE card_id = ? AND approval_id != ? AND state IN ('queued','accepted','conflict')`,
      ).run(`${s.by.user} on ${s.by.device} ${s.decision} this card first (${s.at})`, o.now, s.cardId, s.approvalId);
    };
  }
}
