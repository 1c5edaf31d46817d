// One batch exchange: the items and the audit anchor go up; receipts (checked against the pinned
// server key), a countersigned checkpoint and the server's word on this device come back.
import { receiptSigningBytes, type AuditAnchorWire, type SignedReceipt, type SyncBatchResponse } from '../../../shared/sync/protocol';
import { syncBatchResponseSchema } from '../../../shared/sync/schemas';
import { DEVICE_BLOCKED_REASON, deviceBlockedDetailsSchema, type DeviceBlockedDetails } from '../../../shared/server-api';
import { blockedMessage } from '../../../shared/risk/device-messages';
import { lazyValidator } from '../../../shared/validation';
import { apiErrorMessage, withCause } from '../../../shared/error-messages';
import { msg, type Message } from '../../../shared/messages';
import { isTransientStatus, NetworkError, sendJson, type HttpReply } from '../../platform/device/signed-fetch';
import { noteSynced, type SyncConfig } from '../../platform/device/sync-config';
import type { DeviceSigner } from '../../platform/device/credential';
import { APP_VERSION } from '../../platform/version';
import { BAD_RECEIPT_SIGNATURE, checkCheckpoint, receiptMismatch } from './receipt-verify';
import { readServerKeyRing, verifyByKey, type DeviceKeyRing } from '../../platform/device/server-keys';
import { learnFromReply } from './server-keys';
import { applyReplyStatus, applyServerStatus, blockedStatus } from './server-word';
import { replyError } from './errors';
import { blobIdsOf, wire } from './seal';
import type { EngineCtx, RunSummary } from './context';
import type { OutboxRow } from './ports';

/**
 * The reply schema as the device checks it: the server always sends deviceStatus, but a server
 * older than this app does not, and refusing its replies as malformed would burn every item's
 * attempts until they dead-letter. Without it the device keeps its last known server status.
 */
const DEVICE_BATCH_RESPONSE_SCHEMA = {
  ...syncBatchResponseSchema,
  required: syncBatchResponseSchema.required.filter((k) => k !== 'deviceStatus'),
};
const batchResponseValid = lazyValidator(DEVICE_BATCH_RESPONSE_SCHEMA);
const blockedDetailsValid = lazyValidator(deviceBlockedDetailsSchema);

export interface BatchInput {
  cfg: SyncConfig;
  signer: DeviceSigner;
  /** The server keys this device trusts; re-read when a reply teaches it a new one. */
  ring: DeviceKeyRing;
  batch: OutboxRow[];
  anchor: AuditAnchorWire | undefined;
  summary: RunSummary;
  /**
   * Items of the previous batch whose receipts are being checked while this batch goes out (still
   * `queued` for a moment): left out of the pending count this batch reports, as they were when the
   * exchanges ran one after the other.
   */
  awaitingAck?: number;
}

/** The longest Retry-After a run waits out before it retries a 502/503/504 itself. */
const RETRY_IN_RUN_MS = 5000;

/** POST the batch; null when the server could not be reached or was unavailable (the items simply wait). */
export async function postBatch(ctx: EngineCtx, b: BatchInput): Promise<HttpReply | null> {
  const { d, state } = ctx;
  const counts = d.outbox.counts();
  const body = {
    device: b.cfg.deviceId,
    appVersion: APP_VERSION,
    items: b.batch.map((r) => wire(r)),
    ...(b.anchor ? { anchor: b.anchor } : {}),
    deviceState: { pendingCount: Math.max(0, counts.queued - (b.awaitingAck ?? 0)), deadLetterCount: counts.dead, contractVersions: d.contracts.versions() },
  };
  try {
    const send = () => sendJson(ctx.fetchFn, b.cfg.serverUrl, 'POST', '/v1/sync/batch', body, b.signer);
    let reply = await send();
    // A short Retry-After (an instance draining behind the balancer): waited out once, then the same
    // items again under a new signature and nonce.
    if (isTransientStatus(reply.status) && reply.retryAfterMs !== undefined && reply.retryAfterMs <= RETRY_IN_RUN_MS) {
      await new Promise((resolve) => setTimeout(resolve, reply.retryAfterMs));
      reply = await send();
    }
    if (isTransientStatus(reply.status)) {
      // Not an answer about these items: they wait as if offline, no attempt burned; the next tick retries.
      state.reachable = false;
      state.phase = 'offline';
      state.lastError = msg('errors.sync.http', { status: reply.status });
      for (const r of b.batch) d.outbox.noteError(r.id, state.lastError);
      return null;
    }
    state.reachable = true;
    return reply;
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    // Offline is the normal state in the field: no attempt is burned, the items simply wait.
    state.reachable = false;
    state.phase = 'offline';
    state.lastError = msg('errors.sync.unreachable', { detail: e.message });
    for (const r of b.batch) d.outbox.noteError(r.id, msg('errors.sync.server_unreachable'));
    return null;
  }
}

/** A reply that is not a batch result: true/false = continue/stop the run; undefined = it is one. */
function refusal(ctx: EngineCtx, b: BatchInput, reply: HttpReply): boolean | undefined {
  const { d, state } = ctx;
  if (reply.status === 429) {
    state.lastError = msg('errors.sync.rate_limited');
    return false;
  }
  const refused = (reply.body as { error?: { message?: string; details?: { reason?: unknown } } } | null)?.error;
  if (reply.status === 403 && refused?.details?.reason === DEVICE_BLOCKED_REASON) {
    // Blocked by an administrator: nothing was stored and nothing is lost. Every item stays
    // queued with its attempts untouched (this is not a failure of the item) until an unblock.
    const details = blockedDetailsValid(refused.details) ? (refused.details as DeviceBlockedDetails) : null;
    const status = blockedStatus(ctx, details);
    applyServerStatus(ctx, status, b.cfg.deviceId);
    state.phase = 'error';
    state.lastError = blockedMessage(status);
    for (const r of b.batch) d.outbox.noteError(r.id, state.lastError);
    return false;
  }
  if (reply.status === 401 || reply.status === 403) {
    const why = withCause(msg('errors.sync.device_refused'), replyError(reply.status, reply.body));
    state.phase = 'error';
    state.lastError = why;
    d.alerts.raise('SYNC_REFUSED', why);
    return false;
  }
  if (reply.status !== 200 || !batchResponseValid(reply.body)) {
    const reason = reply.status === 200 ? msg('errors.sync.malformed_reply') : msg('errors.sync.http', { status: reply.status });
    for (const r of b.batch) if (d.outbox.markFailed(r.id, reason) === 'dead') b.summary.failed += 1;
    state.lastError = reason;
    return reply.status < 500 && reply.status !== 200 ? false : true;
  }
  return undefined;
}

/** Never trust a bad receipt: the item stays queued and a person is told. */
function refuseReceipt(ctx: EngineCtx, r: OutboxRow, reason: Message): void {
  ctx.d.outbox.noteError(r.id, withCause(msg('errors.sync.receipt_refused'), reason));
  ctx.d.alerts.raise('RECEIPT_INVALID', reason, r.id);
  ctx.d.audit.append({ actor: 'service:sync', action: 'sync.receipt_refused', subject: r.id, payload: { reason } });
}

/** An item the server did not accept. */
function rejected(ctx: EngineCtx, b: BatchInput, r: OutboxRow, err: SyncBatchResponse['results'][number]['error']): void {
  const { d } = ctx;
  if (err?.code === 'CONTRACT_BREAKING') {
    const required = typeof err.details?.requiredVersion === 'string' ? err.details.requiredVersion : null;
    d.outbox.markBlocked(
      r.id,
      required,
      required ? msg('errors.sync.contract_required', { required, contract: r.contract }) : msg('errors.sync.contract_newer', { contract: r.contract }),
    );
    b.summary.blocked += 1;
  } else if (err?.code === 'ATTACHMENT_MISSING') {
    // The server lacks chunks the device believed stored: they are uploaded again on the next try.
    d.outbox.markFailed(r.id, apiErrorMessage(err, true));
  } else if (r.kind === 'approval' && err?.code === 'CONFLICT') {
    // Another reviewer's decision on this card came first: settled, not a failure of this device.
    d.outbox.settle(r.id, apiErrorMessage(err, true));
    d.team.noteApprovalResult(r, false, { code: err.code, message: err.message, details: err.details });
  } else {
    // Conflicts and validation failures will not heal by retrying.
    d.outbox.markFailed(r.id, err ? apiErrorMessage(err, true) : msg('errors.sync.rejected'), true);
    if (r.kind === 'approval') d.team.noteApprovalResult(r, false, err ? { code: err.code, message: err.message, details: err.details } : undefined);
    b.summary.failed += 1;
  }
}

/** Each item's result; the receipts whose fields match, for their signatures to be checked. */
function sortResults(ctx: EngineCtx, b: BatchInput, res: SyncBatchResponse): { row: OutboxRow; receipt: SignedReceipt }[] {
  const byKey = new Map(res.results.map((x) => [x.idempotencyKey, x]));
  const toVerify: { row: OutboxRow; receipt: SignedReceipt }[] = [];
  for (const r of b.batch) {
    const result = byKey.get(r.idempotency_key);
    if (!result) {
      ctx.d.outbox.markFailed(r.id, msg('errors.sync.no_result'));
      continue;
    }
    if ((result.status === 'accepted' || result.status === 'duplicate') && result.receipt) {
      if (r.kind === 'approval') ctx.d.team.noteApprovalResult(r, true);
      const mismatch = receiptMismatch(result.receipt, {
        tenant: r.tenant,
        device: b.cfg.deviceId,
        idempotencyKey: r.idempotency_key,
        contentHash: r.content_hash!,
        serverKeyId: b.ring,
        attachments: blobIdsOf(r),
      });
      if (mismatch) refuseReceipt(ctx, r, mismatch);
      else toVerify.push({ row: r, receipt: result.receipt });
      continue;
    }
    rejected(ctx, b, r, result.error);
  }
  return toVerify;
}

/** Receipts whose fields match their items, waiting for their signatures to be checked. */
export type ToVerify = { row: OutboxRow; receipt: SignedReceipt }[];

/**
 * Check the receipts' signatures (the worker pool) and ack the good ones in one transaction. An item
 * leaves `queued` only here, with a verified receipt; a bad one stays queued with an alert.
 */
export async function ackVerified(ctx: EngineCtx, b: BatchInput, toVerify: ToVerify): Promise<string[]> {
  if (toVerify.length === 0) return [];
  const { d } = ctx;
  // Each receipt with the key it names, if that key may have signed at its receivedAt.
  const sigOk = await verifyByKey(
    (key, items) => d.verifyPool.verifyAll(key, items),
    toVerify.map((v) => ({
      key: b.ring.keyFor(v.receipt.receipt.serverKeyId, v.receipt.receipt.receivedAt),
      bytes: receiptSigningBytes(v.receipt.receipt),
      signature: v.receipt.signature,
    })),
  );
  const acked: string[] = [];
  d.db.transaction(() => {
    toVerify.forEach((v, i) => {
      if (sigOk[i]) {
        d.outbox.markAcked(v.row.id, v.receipt);
        acked.push(v.row.id);
      } else refuseReceipt(ctx, v.row, BAD_RECEIPT_SIGNATURE);
    });
  })();
  // Counted once committed: a transaction that threw acked nothing.
  b.summary.acked += acked.length;
  return acked;
}

async function storeCheckpoint(ctx: EngineCtx, b: BatchInput, res: SyncBatchResponse): Promise<void> {
  if (!res.checkpoint) return;
  const c = res.checkpoint.checkpoint;
  // A countersigned tree head must be this device's own tree at that size.
  const treeOk = c.treeSize === undefined || (c.treeSize === c.seq && c.treeRoot === ctx.merkle.root(c.seq));
  const signer = b.ring.publicKeyOf(c.serverKeyId);
  if (treeOk && signer && checkCheckpoint(res.checkpoint, b.ring, { device: b.cfg.deviceId })) {
    ctx.d.audit.storeCheckpoint({ seq: c.seq, head: c.head, serverSeq: c.serverSeq, time: c.time }, JSON.stringify(res.checkpoint));
    // And sealed in the secret store, where editing the database cannot reach it: what verification trusts.
    await ctx.d.audit.sealCheckpoint(res.checkpoint, signer);
  } else {
    ctx.d.alerts.raise('CHECKPOINT_INVALID', msg('alerts.checkpoint_invalid'));
  }
}

/**
 * The server's word on the audit anchor. A server whose anchored head is behind this device's (it
 * was restored from a backup) expects the entries to start earlier: this device's own entries from
 * there go with the next exchange (RunState.anchorFrom), no alert — the server checks they link to
 * its head. Any other broken anchor is an alert; an anchor taken clears the restart point.
 */
function noteAnchor(ctx: EngineCtx, b: BatchInput, res: SyncBatchResponse): void {
  if (!res.anchorError) {
    if (b.anchor) ctx.state.anchorFrom = null;
    return;
  }
  const why = res.anchorError.message;
  const expected = typeof why === 'string' || why.code !== 'alerts.anchor.starts_at' ? NaN : Number(why.params?.expected);
  const sentFrom = b.anchor?.entries[0]?.seq;
  if (Number.isInteger(expected) && expected >= 1 && sentFrom !== undefined && expected < sentFrom) {
    ctx.state.anchorFrom = expected - 1;
    return;
  }
  ctx.state.anchorFrom = null;
  ctx.d.alerts.raise(res.anchorError.code, typeof why === 'string' ? msg('alerts.anchor.text', { text: why }) : why);
}

/**
 * The server's answer to one batch (postBatch's reply; null: none came), everything but the receipt
 * signatures: refusals, each item's result, the checkpoint, the anchor and the server's word on this
 * device. `go`: false when the run should stop (offline, refused, rate limited). `toVerify`: the
 * receipts for ackVerified, which the run loop overlaps with the next exchange (./pipeline.ts).
 */
export async function settleBatch(ctx: EngineCtx, b: BatchInput, reply: HttpReply | null): Promise<{ go: boolean; toVerify: ToVerify }> {
  if (!reply) return { go: false, toVerify: [] };
  const stop = refusal(ctx, b, reply);
  if (stop !== undefined) return { go: stop, toVerify: [] };
  const res = reply.body as SyncBatchResponse;
  // Keys the server introduced since this device's newest (sent only because this device asked).
  if (res.serverKeys && learnFromReply(ctx.d, res.serverKeys)) b.ring = readServerKeyRing(ctx.d.db) ?? b.ring;
  const toVerify = sortResults(ctx, b, res);
  await storeCheckpoint(ctx, b, res);
  noteAnchor(ctx, b, res);
  if (res.deviceStatus) applyReplyStatus(ctx, res.deviceStatus, b.cfg.deviceId);
  noteSynced(ctx.d.db, ctx.now(), res.serverTime, res.contracts);
  ctx.d.trustedClock.observe(new Date(res.serverTime));
  return { go: true, toVerify };
}
