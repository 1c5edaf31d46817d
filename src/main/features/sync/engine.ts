import { hash, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { EventBus } from '../../platform/events';
import type { AuditService } from '../../platform/audit/index';
import type { ProfileService } from '../profile/index';
import type { Outbox, OutboxRow } from '../outbox/index';
import type { AttachmentStore } from '../capture/attachment-store';
import type { TenantKeys } from '../team/tenant-keys';
import type { DataKeys } from '../../platform/keys/data-keys';
import type { TeamService } from '../team/index';
import { newEncryptionKeyPair } from '../team/crypto';
import { topRole } from '../../../shared/team/protocol';
import type { SecretStore } from '../../platform/keys/secret-store';
import type { SyncPhase, SyncStatus } from '../../../shared/api/types';
import { ApiError } from '../../../shared/errors';
import { canonicalJson } from '../../../shared/canonical';
import { compileSchema, describeErrors } from '../../../shared/validation';
import {
  aadBytes,
  receiptSigningBytes,
  type AuditAnchorWire,
  type DeviceStatusWire,
  type EnrollResponse,
  type SignedReceipt,
  type SyncBatchResponse,
  type SyncItemWire,
} from '../../../shared/sync/protocol';
import { enrollResponseSchema, syncBatchResponseSchema } from '../../../shared/sync/schemas';
import { DEVICE_BLOCKED_REASON, deviceBlockedDetailsSchema, type DeviceBlockedDetails } from '../../../shared/server-api';
import { encryptGcm } from '../../platform/keys/data-keys';
import { newKeyPair, privateKeyFromPem, publicKeyFromRaw } from '../../../platform/ed25519';
import { BAD_RECEIPT_SIGNATURE, checkCheckpoint, receiptMismatch } from './receipt-verify';
import type { VerifyPool } from './verify-pool';
import type { ContractRegistry } from '../contracts/contract-loader';
import type { ContractUpdates } from '../contracts/contract-updates';
import { httpReader } from '../bundles/http-source';
import { BundleError } from '../bundles/errors';
import type { TrustedClock } from '../../platform/util/trusted-clock';
import { NetworkError, sendJson, type FetchFn } from '../../platform/device/signed-fetch';
import { noteSynced, readSyncConfig, writeSyncConfig, type SyncConfig } from '../../platform/device/sync-config';
import { blockedMessage, readServerStatus, UPDATE_REQUIRED_MESSAGE, writeServerStatus, type ServerDeviceStatus } from './server-status';
import { APP_VERSION } from '../../platform/version';
import { AuditMerkle } from '../../platform/audit/merkle';

export const BATCH_MAX_ITEMS = 100;
export const WAITING_FOR_KEY = 'Waiting for the tenant key: an admin device sends it to this device on its next sync';
export const BATCH_MAX_BYTES = 1024 * 1024;
const ANCHOR_MAX_ENTRIES = 20_000;
/** Name of the device's Ed25519 signing key in the secret store (suffixed with the device id). */
export const DEVICE_KEY = 'device-signing-key';
/** Name of the device's X25519 private key (team sync); `${ENCRYPTION_KEY}-public` holds its public half. */
export const ENCRYPTION_KEY = 'device-encryption-key';
/** How often the background tick asks a server that blocked this device whether it still does. */
export const BLOCKED_PROBE_MS = 5 * 60_000;

/**
 * The reply schema as the device checks it: the server always sends deviceStatus, but a server
 * older than this app does not, and refusing its replies as malformed would burn every item's
 * attempts until they dead-letter. Without it the device keeps its last known server status.
 */
const DEVICE_BATCH_RESPONSE_SCHEMA = {
  ...syncBatchResponseSchema,
  required: syncBatchResponseSchema.required.filter((k) => k !== 'deviceStatus'),
};

export interface SyncDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  audit: AuditService;
  profile: ProfileService;
  outbox: Outbox;
  attachments: AttachmentStore;
  tenantKeys: TenantKeys;
  /** Keys only this device holds: used until the tenant has a tenant key (no admin device yet). */
  dataKeys: DataKeys;
  team: TeamService;
  secrets: () => Promise<SecretStore>;
  verifyPool: VerifyPool;
  contracts: ContractRegistry;
  contractUpdates: ContractUpdates;
  trustedClock: TrustedClock;
  fetch?: FetchFn;
}

export interface RunSummary {
  batches: number;
  acked: number;
  failed: number;
  blocked: number;
  phase: SyncPhase;
}

/**
 * The device half of exactly-once sync. Items stay `queued` until a receipt signed by the pinned
 * server key is verified, so a crash or a lost response only means the same bytes are sent again
 * under the same idempotency key, and the server answers with the original receipt.
 */
export class SyncEngine {
  private running: Promise<RunSummary> | null = null;
  private phase: SyncPhase = 'idle';
  private reachable: boolean | null = null;
  private lastError: string | null = null;
  private progress: SyncStatus['progress'] = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly fetchFn: FetchFn;
  private readonly batchResponseValid = compileSchema(DEVICE_BATCH_RESPONSE_SCHEMA);
  private readonly blockedDetailsValid = compileSchema(deviceBlockedDetailsSchema);

  private readonly merkle: AuditMerkle;

  constructor(private readonly d: SyncDeps) {
    this.fetchFn = d.fetch ?? fetch;
    this.merkle = new AuditMerkle(d.db);
  }

  config(): SyncConfig | null {
    return readSyncConfig(this.d.db);
  }

  private now(): string {
    return this.d.clock.now().toISOString();
  }

  async status(): Promise<SyncStatus> {
    const cfg = this.config();
    const store = await this.d.secrets();
    const anchor = this.d.db.prepare('SELECT seq, head, time FROM audit_anchors ORDER BY seq DESC LIMIT 1').get() as SyncStatus['anchor'] | undefined;
    const alerts = this.d.db
      .prepare('SELECT id, at, code, message, subject FROM alerts WHERE resolved = 0 ORDER BY id DESC LIMIT 20')
      .all() as SyncStatus['alerts'];
    let phase = this.phase;
    if (!cfg) phase = 'not_enrolled';
    else if (store.isLocked()) phase = 'locked';
    return {
      phase,
      enrolled: cfg && {
        serverUrl: cfg.serverUrl,
        deviceId: cfg.deviceId,
        tenant: cfg.tenant,
        user: cfg.user,
        roles: cfg.roles,
        serverKeyId: cfg.serverKeyId,
        enrolledAt: cfg.enrolledAt,
      },
      reachable: this.reachable,
      lastSyncAt: cfg?.lastSyncAt ?? null,
      lastError: this.lastError,
      counts: this.d.outbox.counts(),
      progress: this.progress,
      keyStore: { kind: store.kind, locked: store.isLocked(), note: store.describe() },
      alerts,
      anchor: anchor ?? null,
    };
  }

  private async publish(): Promise<void> {
    this.d.events.emit('sync.status', await this.status());
  }

  alert(code: string, message: string, subject = ''): void {
    this.d.db.prepare('INSERT INTO alerts (at, code, message, subject) VALUES (?, ?, ?, ?)').run(this.now(), code, message, subject);
    this.d.logger.warn('sync alert', { code, subject });
  }

  // ---- enrollment -------------------------------------------------------------------------

  async enroll(serverUrl: string, token: string): Promise<SyncConfig> {
    const profile = this.d.profile.require();
    if (this.config()) throw new ApiError('CONFLICT', 'This device is already enrolled');
    const store = await this.d.secrets();
    if (store.isLocked()) throw new ApiError('FORBIDDEN', 'Unlock the passphrase vault before enrolling');
    let url: URL;
    try {
      url = new URL(serverUrl);
    } catch {
      throw new ApiError('VALIDATION_ERROR', 'Server URL is not a URL');
    }
    const kp = newKeyPair();
    const ek = newEncryptionKeyPair();
    let reply;
    try {
      reply = await sendJson(this.fetchFn, url.toString(), 'POST', '/v1/enroll', {
        token,
        publicKey: kp.publicRaw,
        encryptionKey: ek.publicRaw,
        deviceName: `${profile.name} on ${hostname()}`.slice(0, 120),
        appVersion: APP_VERSION,
      });
    } catch (e) {
      throw new ApiError('NOT_FOUND', (e as Error).message);
    }
    if (reply.status !== 200) {
      const err = (reply.body as { error?: { message?: string } } | null)?.error;
      throw new ApiError(reply.status === 401 ? 'FORBIDDEN' : 'CONFLICT', `Enrollment refused: ${err?.message ?? `HTTP ${reply.status}`}`);
    }
    const valid = compileSchema(enrollResponseSchema);
    if (!valid(reply.body)) throw new ApiError('INTERNAL', 'Server sent a malformed enrollment reply', describeErrors(valid.errors));
    const r = reply.body as EnrollResponse;
    if (r.tenant !== profile.tenant) {
      throw new ApiError('CONFLICT', `The token is for tenant "${r.tenant}" but this device's profile is tenant "${profile.tenant}"`);
    }
    const certificate = this.d.team.acceptEnrollmentCertificate(r.certificate, r.serverPublicKey, r.tenant, r.deviceId);
    await store.set(`${DEVICE_KEY}:${r.deviceId}`, kp.privatePem);
    await store.set(`${ENCRYPTION_KEY}:${r.deviceId}`, ek.privatePem);
    await store.set(`${ENCRYPTION_KEY}-public:${r.deviceId}`, ek.publicRaw);
    const top = topRole(r.roles);
    this.d.db.transaction(() => {
      writeSyncConfig(this.d.db, {
        serverUrl: url.toString(),
        deviceId: r.deviceId,
        tenant: r.tenant,
        user: r.user,
        roles: r.roles,
        serverKeyId: r.serverKeyId,
        serverPublicKey: r.serverPublicKey,
        enrolledAt: this.now(),
        contracts: r.contracts,
      });
      this.d.db.prepare('UPDATE profile SET role = ? WHERE singleton = 1').run(top);
      this.d.team.storeCert(certificate);
      this.d.audit.append({
        actor: `user:${profile.id}`,
        action: 'device.enrolled',
        subject: r.deviceId,
        payload: { server: url.origin, user: r.user, roles: r.roles, serverKeyId: r.serverKeyId, certVersion: certificate.cert.certVersion },
      });
    })();
    void this.publish().catch(() => {});
    return this.config()!;
  }

  // ---- sealing ------------------------------------------------------------------------------

  private async plaintextOf(row: OutboxRow): Promise<Buffer> {
    if (row.kind === 'run' || row.kind === 'card' || row.kind === 'approval') return this.d.team.plaintextOf(row);
    if (row.kind === 'record') {
      const rec = this.d.db.prepare('SELECT id, contract, data, created_at FROM records WHERE id = ?').get(row.record_id) as
        { id: string; contract: string; data: string; created_at: string } | undefined;
      if (!rec) throw new Error(`record ${row.record_id} missing`);
      return Buffer.from(
        `{"contract":${JSON.stringify(rec.contract)},"createdAt":${JSON.stringify(rec.created_at)},"data":${rec.data},"kind":"record","recordId":${JSON.stringify(rec.id)}}`,
      );
    }
    const a = this.d.attachments.read(row.attachment_hash!);
    return Buffer.from(canonicalJson({ kind: 'attachment', hash: row.attachment_hash, mime: a.mime, name: a.name, data: a.bytes.toString('base64') }));
  }

  /**
   * Encrypt once under the current tenant key, persist, and reuse on every retry (same bytes → same
   * contentHash). Rows that cannot be sealed yet (no tenant key has reached this device) are left out:
   * they stay queued, unsealed, with their attempts untouched.
   */
  private async sealAll(rows: OutboxRow[]): Promise<{ ready: OutboxRow[]; waiting: Set<string> }> {
    const fresh: { row: OutboxRow; sealed: Parameters<Outbox['saveSealed']>[1] }[] = [];
    const waiting = new Set<string>();
    for (const row of rows) {
      if (row.ciphertext) continue;
      const tenantKey = await this.d.tenantKeys.current(row.tenant);
      // No tenant key anywhere yet (no admin device has created one): this device's own key, as
      // before team sync. Such items are stored and receipted but never shared. Team items (runs,
      // cards, approvals) exist to be shared: they wait for the tenant key.
      const shared = row.kind === 'run' || row.kind === 'card' || row.kind === 'approval';
      const current = tenantKey ?? (this.d.team.tenantKeyOnServer() === false && !shared ? await this.d.dataKeys.current(row.tenant) : null);
      if (!current) {
        waiting.add(row.id);
        this.d.outbox.noteError(row.id, WAITING_FOR_KEY);
        continue;
      }
      const s = encryptGcm(current.key, await this.plaintextOf(row), aadBytes(row.idempotency_key, row.contract, row.tenant));
      fresh.push({
        row,
        sealed: {
          keyVersion: current.version,
          ciphertext: s.ciphertext,
          iv: s.iv.toString('base64'),
          tag: s.tag.toString('base64'),
          contentHash: hash('sha256', s.ciphertext, 'hex'),
          keyScope: tenantKey ? 'tenant' : 'device',
        },
      });
    }
    const ready = rows.filter((r) => !waiting.has(r.id));
    if (fresh.length === 0) return { ready, waiting };
    this.d.db.transaction(() => fresh.forEach((f) => this.d.outbox.saveSealed(f.row.id, f.sealed)))();
    // Re-read: saveSealed never overwrites an existing ciphertext, so the stored bytes are the truth.
    return { ready: ready.map((r) => (r.ciphertext ? r : this.d.outbox.row(r.id))), waiting };
  }

  private wire(row: OutboxRow): SyncItemWire {
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

  private anchor(): AuditAnchorWire | undefined {
    const last = this.d.db.prepare('SELECT seq, head FROM audit_anchors ORDER BY seq DESC LIMIT 1').get() as { seq: number; head: string } | undefined;
    const entries = this.d.db
      .prepare('SELECT seq, prev_hash AS prevHash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(last?.seq ?? 0, ANCHOR_MAX_ENTRIES) as AuditAnchorWire['entries'];
    const tail = entries[entries.length - 1];
    if (!tail) return undefined;
    // The Merkle tree head at the new head, for the server to countersign (inclusion proofs later).
    return { entries, head: { seq: tail.seq, hash: tail.hash }, tree: { size: tail.seq, root: this.merkle.root(tail.seq) } };
  }

  // ---- the run ------------------------------------------------------------------------------

  /** Send everything due; resolves when the queue is drained, the server is unreachable, or an error stops the run. */
  syncNow(opts: { force?: boolean } = {}): Promise<RunSummary> {
    if (opts.force) this.d.outbox.makeAllDue();
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<RunSummary> {
    const summary: RunSummary = { batches: 0, acked: 0, failed: 0, blocked: 0, phase: 'idle' };
    const cfg = this.config();
    if (!cfg) return { ...summary, phase: 'not_enrolled' };
    const store = await this.d.secrets();
    if (store.isLocked()) return { ...summary, phase: 'locked' };
    const pem = await store.get(`${DEVICE_KEY}:${cfg.deviceId}`);
    if (!pem) {
      this.alert('DEVICE_KEY_MISSING', `The device signing key is missing from the ${store.kind}; re-enroll this device`);
      this.phase = 'error';
      return { ...summary, phase: 'error' };
    }
    const signer = { deviceId: cfg.deviceId, key: privateKeyFromPem(pem), now: () => this.d.clock.now() };
    const serverKey = publicKeyFromRaw(cfg.serverPublicKey);
    // Team sync first: certificate and encryption key, tenant keys (an admin creates or wraps them),
    // and a pull, so a device that just received its wrapped key seals and sends in this same run.
    try {
      await this.d.team.prepare();
    } catch (e) {
      if (!(e instanceof NetworkError)) this.d.logger.warn('team sync preparation failed', { code: 'TEAM_PREPARE_FAILED', err: (e as Error).message });
    }
    this.phase = 'syncing';
    this.lastError = null;
    this.progress = { itemsTotal: this.d.outbox.dueCount(), itemsDone: 0, bytesTotal: 0, bytesDone: 0 };
    await this.publish();
    try {
      // Items answered in this run but still queued (a refused receipt) wait for the next run;
      // the set holds only those, so it stays small.
      const tried = new Set<string>();
      for (let guard = 0; guard < 10_000; guard++) {
        const due = this.d.outbox
          .due(BATCH_MAX_ITEMS + tried.size)
          .filter((r) => !tried.has(r.id))
          .slice(0, BATCH_MAX_ITEMS);
        const anchor = this.anchor();
        // With nothing to send, the first round still sends an empty batch: a run always refreshes
        // the last sync time (submit needs one within 24 h) and the server's word on this device
        // (an unblock, a cleared update requirement).
        if (due.length === 0 && !anchor && guard > 0) break;
        const batch: OutboxRow[] = [];
        let bytes = 0;
        const { ready, waiting } = await this.sealAll(due);
        // Rows waiting for the tenant key are not tried again in this run.
        for (const id of waiting) tried.add(id);
        for (const s of ready) {
          const size = Math.ceil((s.ciphertext!.length * 4) / 3);
          if (batch.length > 0 && bytes + size > BATCH_MAX_BYTES) break;
          batch.push(s);
          bytes += size;
        }
        for (const r of batch) tried.add(r.id);
        this.progress.bytesTotal += bytes;
        const done = await this.sendBatch(cfg, signer, serverKey, batch, anchor, summary);
        for (const r of batch) if (this.d.outbox.stateOf(r.id) !== 'queued') tried.delete(r.id);
        this.progress.itemsDone += batch.length;
        this.progress.bytesDone += bytes;
        summary.batches += 1;
        await this.publish();
        if (!done) break;
        if (due.length === 0) break; // anchor-only or empty exchange
      }
      if (this.phase === 'syncing') this.phase = 'idle';
      if (summary.batches > 0 && this.phase === 'idle') await this.updateContracts(signer);
      if (this.phase === 'idle') {
        try {
          await this.d.team.afterSync();
        } catch (e) {
          if (!(e instanceof NetworkError)) this.d.logger.warn('team key maintenance failed', { code: 'TEAM_KEYS_FAILED', err: (e as Error).message });
        }
      }
    } catch (e) {
      this.phase = 'error';
      this.lastError = (e as Error).message;
      this.d.logger.error('sync run failed', { code: 'SYNC_FAILED', err: this.lastError });
    } finally {
      this.progress = null;
      await this.publish();
    }
    return { ...summary, phase: this.phase };
  }

  /** Returns false when the run should stop (offline, refused, rate limited). */
  private async sendBatch(
    cfg: SyncConfig,
    signer: { deviceId: string; key: KeyObject; now: () => Date },
    serverKey: KeyObject,
    batch: OutboxRow[],
    anchor: AuditAnchorWire | undefined,
    summary: RunSummary,
  ): Promise<boolean> {
    const counts = this.d.outbox.counts();
    const body = {
      device: cfg.deviceId,
      appVersion: APP_VERSION,
      items: batch.map((r) => this.wire(r)),
      ...(anchor ? { anchor } : {}),
      deviceState: { pendingCount: counts.queued, deadLetterCount: counts.dead, contractVersions: this.d.contracts.versions() },
    };
    let reply;
    try {
      reply = await sendJson(this.fetchFn, cfg.serverUrl, 'POST', '/v1/sync/batch', body, signer);
      this.reachable = true;
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      // Offline is the normal state in the field: no attempt is burned, the items simply wait.
      this.reachable = false;
      this.phase = 'offline';
      this.lastError = e.message;
      for (const r of batch) this.d.outbox.noteError(r.id, 'server unreachable');
      return false;
    }
    if (reply.status === 429) {
      this.lastError = 'The server asked us to slow down; retrying later';
      return false;
    }
    const refusal = (reply.body as { error?: { message?: string; details?: { reason?: unknown } } } | null)?.error;
    if (reply.status === 403 && refusal?.details?.reason === DEVICE_BLOCKED_REASON) {
      // Blocked by an administrator: nothing was stored and nothing is lost. Every item stays
      // queued with its attempts untouched (this is not a failure of the item) until an unblock.
      const details = this.blockedDetailsValid(refusal.details) ? (refusal.details as DeviceBlockedDetails) : null;
      const prev = readServerStatus(this.d.db);
      const status = {
        blocked: true,
        blockedAt: details?.blockedAt ?? null,
        blockedReason: details?.blockedReason ?? null,
        updateRequired: details?.deviceStatus.updateRequired ?? prev?.updateRequired ?? false,
        risk: details
          ? { level: details.deviceStatus.risk.level, reasons: details.deviceStatus.risk.reasons }
          : { level: 'critical' as const, reasons: ['Blocked by an administrator'] },
      };
      this.applyServerStatus(status, cfg.deviceId);
      this.phase = 'error';
      this.lastError = blockedMessage(status);
      for (const r of batch) this.d.outbox.noteError(r.id, this.lastError);
      return false;
    }
    if (reply.status === 401 || reply.status === 403) {
      const msg = refusal?.message ?? `HTTP ${reply.status}`;
      this.phase = 'error';
      this.lastError = `Server refused this device: ${msg}`;
      this.alert('SYNC_REFUSED', this.lastError);
      return false;
    }
    if (reply.status !== 200 || !this.batchResponseValid(reply.body)) {
      const reason = reply.status === 200 ? 'malformed server reply' : `server answered HTTP ${reply.status}`;
      for (const r of batch) if (this.d.outbox.markFailed(r.id, reason) === 'dead') summary.failed += 1;
      this.lastError = reason;
      return reply.status < 500 && reply.status !== 200 ? false : true;
    }
    const res = reply.body as SyncBatchResponse;
    const byKey = new Map(res.results.map((x) => [x.idempotencyKey, x]));
    // Never trust a bad receipt: the item stays queued and a person is told.
    const refuse = (r: OutboxRow, reason: string) => {
      this.d.outbox.noteError(r.id, reason);
      this.alert('RECEIPT_INVALID', reason, r.id);
      this.d.audit.append({ actor: 'service:sync', action: 'sync.receipt_refused', subject: r.id, payload: { reason } });
    };
    const toVerify: { row: OutboxRow; receipt: SignedReceipt }[] = [];
    for (const r of batch) {
      const result = byKey.get(r.idempotency_key);
      if (!result) {
        this.d.outbox.markFailed(r.id, 'no result for this item in the server reply');
        continue;
      }
      if ((result.status === 'accepted' || result.status === 'duplicate') && result.receipt) {
        if (r.kind === 'approval') this.d.team.noteApprovalResult(r, true);
        const mismatch = receiptMismatch(result.receipt, {
          tenant: r.tenant,
          device: cfg.deviceId,
          idempotencyKey: r.idempotency_key,
          contentHash: r.content_hash!,
          serverKeyId: cfg.serverKeyId,
        });
        if (mismatch) refuse(r, mismatch);
        else toVerify.push({ row: r, receipt: result.receipt });
        continue;
      }
      const err = result.error;
      if (err?.code === 'CONTRACT_BREAKING') {
        const required = typeof err.details?.requiredVersion === 'string' ? err.details.requiredVersion : null;
        this.d.outbox.markBlocked(
          r.id,
          required,
          `The server now requires ${required ?? 'a newer contract'}; this item was captured under ${r.contract}. Update the app, then retry or re-capture it.`,
        );
        summary.blocked += 1;
      } else if (r.kind === 'approval' && err?.code === 'CONFLICT') {
        // Another reviewer's decision on this card came first: settled, not a failure of this device.
        this.d.outbox.settle(r.id, `${err.code}: ${err.message}`);
        this.d.team.noteApprovalResult(r, false, { code: err.code, message: err.message, details: err.details });
      } else {
        // Conflicts and validation failures will not heal by retrying.
        this.d.outbox.markFailed(r.id, `${err?.code ?? 'REJECTED'}: ${err?.message ?? 'rejected'}`, true);
        if (r.kind === 'approval') this.d.team.noteApprovalResult(r, false, err ? { code: err.code, message: err.message, details: err.details } : undefined);
        summary.failed += 1;
      }
    }
    const sigOk = await this.d.verifyPool.verifyAll(
      serverKey,
      toVerify.map((v) => [receiptSigningBytes(v.receipt.receipt), v.receipt.signature]),
    );
    this.d.db.transaction(() => {
      toVerify.forEach((v, i) => {
        if (sigOk[i]) {
          this.d.outbox.markAcked(v.row.id, v.receipt);
          summary.acked += 1;
        } else refuse(v.row, BAD_RECEIPT_SIGNATURE);
      });
    })();
    if (res.checkpoint) {
      const c0 = res.checkpoint.checkpoint;
      // A countersigned tree head must be this device's own tree at that size.
      const treeOk = c0.treeSize === undefined || (c0.treeSize === c0.seq && c0.treeRoot === this.merkle.root(c0.seq));
      if (treeOk && checkCheckpoint(res.checkpoint, serverKey, { device: cfg.deviceId, serverKeyId: cfg.serverKeyId })) {
        const c = res.checkpoint.checkpoint;
        this.d.db
          .prepare('INSERT INTO audit_anchors (seq, head, server_seq, time, checkpoint) VALUES (?, ?, ?, ?, ?) ON CONFLICT(seq) DO NOTHING')
          .run(c.seq, c.head, c.serverSeq, c.time, JSON.stringify(res.checkpoint));
      } else {
        this.alert('CHECKPOINT_INVALID', 'The server sent an audit checkpoint that does not verify');
      }
    }
    if (res.anchorError) this.alert(res.anchorError.code, res.anchorError.message);
    if (res.deviceStatus) this.applyReplyStatus(res.deviceStatus, cfg.deviceId);
    noteSynced(this.d.db, this.now(), res.serverTime, res.contracts);
    this.d.trustedClock.observe(new Date(res.serverTime));
    return true;
  }

  // ---- the server's word on this device ------------------------------------------------------------

  /** The server's last known status of this device (null until a reply or refusal said anything). */
  serverStatus(): ServerDeviceStatus | null {
    return readServerStatus(this.d.db);
  }

  /** A sync reply's deviceStatus. An accepted batch means the device is not blocked (any more). */
  private applyReplyStatus(st: DeviceStatusWire, deviceId: string): void {
    const prev = readServerStatus(this.d.db);
    this.applyServerStatus(
      {
        blocked: st.blocked,
        blockedAt: st.blocked ? (prev?.blockedAt ?? null) : null,
        blockedReason: st.blocked ? (prev?.blockedReason ?? null) : null,
        updateRequired: st.updateRequired,
        risk: { level: st.risk.level, reasons: st.risk.reasons },
      },
      deviceId,
    );
  }

  /**
   * Stores the status; raises an alert (and an audit entry) once when the device becomes blocked or
   * update-required, and resolves it when a later reply says that is over.
   */
  private applyServerStatus(next: Omit<ServerDeviceStatus, 'at'>, deviceId: string): void {
    const prev = readServerStatus(this.d.db);
    const change = (was: boolean | undefined, is: boolean, code: string, message: string, on: string, off: string, payload: Record<string, unknown>): void => {
      if (is && !was) {
        this.alert(code, message, deviceId);
        this.d.audit.append({ actor: 'service:sync', action: on, subject: deviceId, payload });
      } else if (!is && was) {
        this.d.db.prepare('UPDATE alerts SET resolved = 1 WHERE code = ? AND resolved = 0').run(code);
        this.d.audit.append({ actor: 'service:sync', action: off, subject: deviceId, payload: {} });
      }
    };
    this.d.db.transaction(() => {
      writeServerStatus(this.d.db, { ...next, at: this.now() });
      change(prev?.blocked, next.blocked, 'DEVICE_BLOCKED', blockedMessage(next), 'device.blocked_by_server', 'device.unblocked_by_server', {
        blockedAt: next.blockedAt,
        reason: next.blockedReason,
      });
      change(
        prev?.updateRequired,
        next.updateRequired,
        'UPDATE_REQUIRED',
        UPDATE_REQUIRED_MESSAGE,
        'device.update_required_by_server',
        'device.update_cleared_by_server',
        {},
      );
    })();
  }

  // ---- micro-contract updates --------------------------------------------------------------------

  /** Install newer minor/patch versions the server announced; flag newer majors. Failures only alert. */
  private async updateContracts(signer: { deviceId: string; key: KeyObject; now: () => Date }): Promise<void> {
    const cfg = this.config();
    if (!cfg) return;
    const plan = this.d.contractUpdates.plan(cfg.contracts);
    if (plan.install.length) {
      try {
        await this.d.contractUpdates.installFromServer(httpReader(cfg.serverUrl, 'maestro.contracts', this.fetchFn, { signer }), plan.install);
      } catch (e) {
        const code = e instanceof BundleError ? ` (${e.code})` : '';
        this.alert('CONTRACT_UPDATE_FAILED', `Could not install ${plan.install.join(', ')}${code}: ${(e as Error).message}`, plan.install.join(','));
      }
    }
    for (const b of plan.breaking) {
      const open = this.d.db
        .prepare("SELECT 1 FROM alerts WHERE code = 'CONTRACT_BREAKING_UPDATE' AND subject = ? AND resolved = 0")
        .pluck()
        .get(`${b.name}@${b.server}`);
      if (!open) {
        this.alert(
          'CONTRACT_BREAKING_UPDATE',
          `The server now uses ${b.name}@${b.server}, a breaking change from ${b.local} on this device. Update the app to capture with it; items captured under ${b.local} stay on this device, marked blocked, until you retry them after the update or discard them.`,
          `${b.name}@${b.server}`,
        );
      }
    }
  }

  // ---- background -----------------------------------------------------------------------------

  /** Probe the server's /healthz; sync when it answers and items are due. */
  async tick(): Promise<void> {
    const cfg = this.config();
    if (!cfg) return;
    try {
      const r = await sendJson(this.fetchFn, cfg.serverUrl, 'GET', '/healthz', undefined, undefined, 5_000);
      this.reachable = r.status === 200 || r.status === 503;
    } catch {
      this.reachable = false;
    }
    // A blocked device is asked again every BLOCKED_PROBE_MS, items due or not, so an unblock is
    // noticed without hammering a server that refuses it ("Sync now" always tries).
    const st = readServerStatus(this.d.db);
    const due = st?.blocked ? this.d.clock.now().getTime() - Date.parse(st.at) >= BLOCKED_PROBE_MS : this.d.outbox.due(1).length > 0;
    if (this.reachable && due) await this.syncNow();
    else await this.publish();
  }

  start(intervalMs = 15_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch(() => {}), intervalMs);
    this.timer.unref();
    void this.tick().catch(() => {});
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
