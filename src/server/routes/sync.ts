// POST /v1/sync/batch: exactly-once ingestion of encrypted items with signed receipts, plus
// optional audit anchoring. Results are returned in request order, one per item.
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { ApiError } from '../../shared/errors';
import {
  checkpointSigningBytes,
  receiptSigningBytes,
  type AuditAnchorWire,
  type CheckpointBody,
  type DeviceStatusWire,
  type ItemResult,
  type ReceiptBody,
  type SyncBatchRequest,
  type SyncBatchResponse,
} from '../../shared/sync/protocol';
import { syncBatchRequestSchema } from '../../shared/sync/schemas';
import { assertValid } from '../../shared/validation';
import type { ServerDeps } from '../app';
import { DEVICE_BLOCKED_REASON, type DeviceBlockedDetails } from '../../shared/server-api';
import { parseJsonBody, type AppEnv, type SignedRequestInfo } from '../http';
import { levelRank, type RiskResult } from '../../shared/risk';
import { deviceRisk, policyCacheFor, snapshotOf, versionLevelOf } from '../risk';
import type { DeviceRecord, DeviceRegistryUpdate, IngestOutcome, IssuedReceipt, NewItem } from '../storage/types';
import { judgeAnchor, overlapRange } from '../sync/anchor';
import { hash as oneShotHash } from 'node:crypto';
import { appendToFrontier, frontierRoot, fromHex, MerkleHasher, toHex } from '../../shared/merkle';

const merkleHasher = () => new MerkleHasher((b) => oneShotHash('sha256', b, 'buffer'));

/** A frontier of a tree of n leaves has one subtree per 1 bit of n. */
function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

/** Append one audit entry hash (as an RFC 9162 leaf) to a hex frontier of `size` leaves. */
const appendLeaf = (h: MerkleHasher, f: string[], size: number, entryHash: string): string[] =>
  appendToFrontier(h, f.map(fromHex), size, h.leaf(fromHex(entryHash))).map(toHex);

const frontierRootHex = (h: MerkleHasher, f: string[]): string => toHex(frontierRoot(h, f.map(fromHex)));
import { checkItem, findPlaintextField } from '../sync/items';

export type SyncDeps = Pick<ServerDeps, 'storage' | 'clock' | 'serverKey' | 'contracts'>;

export function createSyncRouter(deps: SyncDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();

  router.post('/batch', async (c) => {
    const device = c.get('device');
    const raw = parseJsonBody(c.get('rawBody'));

    // Before anything else: one plaintext-capable field anywhere refuses the whole batch.
    const items: unknown = typeof raw === 'object' && raw !== null ? (raw as { items?: unknown }).items : undefined;
    const plaintext = findPlaintextField(items);
    if (plaintext) {
      throw new ApiError('VALIDATION_ERROR', `Item ${plaintext.index} has field "${plaintext.field}": sync items carry ciphertext only`, {
        reason: 'plaintext_field',
        index: plaintext.index,
        field: plaintext.field,
      });
    }
    const batch = assertValid<SyncBatchRequest>(syncBatchRequestSchema, raw, 'Sync batch');
    if (batch.device !== device.id) {
      throw new ApiError('FORBIDDEN', 'Batch device does not match the signing device', { reason: 'device_mismatch' });
    }
    const now = deps.clock.now();
    // Checked after authentication (so the nonce is spent) and before anything is stored. The
    // device keeps its data: nothing is deleted, and it can send it once an admin unblocks it. The
    // details tell it when, why and how the server rates it, so it can show that to its user.
    if (device.blockedAt !== null) {
      const { policy } = await policyCacheFor(deps.storage).get(device.tenant);
      const details: DeviceBlockedDetails = {
        reason: DEVICE_BLOCKED_REASON,
        blockedAt: device.blockedAt,
        blockedReason: device.blockedReason,
        deviceStatus: statusOf(device, deviceRisk(device, deps.contracts, policy, now)),
      };
      throw new ApiError('FORBIDDEN', 'This device has been blocked by an administrator; its data stays on the device and will sync once it is unblocked', details);
    }

    const receivedAt = now.toISOString();
    const { registry, status } = await registryUpdate(deps, device, batch, receivedAt, now);
    const results: (ItemResult | null)[] = [];
    const accepted: { index: number; item: NewItem }[] = [];
    (batch.items as unknown[]).forEach((rawItem, index) => {
      const check = checkItem(rawItem, deps.contracts);
      results.push(check.ok ? null : check.result);
      if (check.ok) accepted.push({ index, item: check.item });
    });

    const outcomes = await deps.storage.ingestBatch({
      tenant: device.tenant,
      device: device.id,
      appVersion: batch.appVersion,
      receivedAt,
      registry,
      items: accepted.map((a) => a.item),
      receiptFor: (item, serverSeq) => receiptFor(deps, device, item, serverSeq, receivedAt),
      signingBytesOf: (json) => receiptSigningBytes(JSON.parse(json) as ReceiptBody),
      sign: (messages) => deps.serverKey.signMany(messages),
    });
    accepted.forEach((a, i) => {
      results[a.index] = toResult(a.item.idempotencyKey, outcomes[i]);
    });

    const res: SyncBatchResponse = {
      results: results.map((r) => r ?? internalGap()),
      contracts: deps.contracts.map(),
      serverTime: receivedAt,
      deviceStatus: status,
    };
    // After the items, so the checkpoint's serverSeq covers what this batch stored.
    if (batch.anchor) Object.assign(res, await anchor(deps, device, batch.anchor, c.get('signedRequest'), now));
    return c.json(res);
  });

  return router;
}

function statusOf(device: DeviceRecord, risk: RiskResult): DeviceStatusWire {
  return { blocked: device.blockedAt !== null, updateRequired: device.updateRequiredAt !== null, risk };
}

/**
 * The device row as this batch leaves it, its version risk and today's snapshot (one row, upserted),
 * and the status the reply carries: the risk of that same row, so it is what the admin board shows.
 */
async function registryUpdate(
  deps: SyncDeps,
  device: DeviceRecord,
  batch: SyncBatchRequest,
  receivedAt: string,
  now: Date,
): Promise<{ registry: DeviceRegistryUpdate; status: DeviceStatusWire }> {
  const { policy } = await policyCacheFor(deps.storage).get(device.tenant);
  const st = batch.deviceState;
  const after: DeviceRecord = {
    ...device,
    lastSyncAt: receivedAt,
    appVersion: batch.appVersion,
    ...(st ? { pendingCount: st.pendingCount, deadLetterCount: st.deadLetterCount, contractVersions: st.contractVersions } : {}),
  };
  const risk = deviceRisk(after, deps.contracts, policy, now);
  const registry: DeviceRegistryUpdate = {
    state: st ? { pendingCount: st.pendingCount, deadLetterCount: st.deadLetterCount, contractVersions: st.contractVersions } : null,
    versionLevel: versionLevelOf(after, deps.contracts, policy),
    // Without the flags: storage re-applies blocked / update-required from the row itself.
    baseLevel: levelRank(deviceRisk({ ...after, blockedAt: null, updateRequiredAt: null }, deps.contracts, policy, now).level),
    snapshot: snapshotOf(after, risk, now),
  };
  return { registry, status: statusOf(after, risk) };
}

function receiptFor(deps: SyncDeps, device: DeviceRecord, item: NewItem, serverSeq: number, receivedAt: string): IssuedReceipt {
  const body: ReceiptBody = {
    // randomUUID draws from a pre-filled entropy cache: much cheaper per call than randomBytes.
    receiptId: `rcp_${randomUUID()}`,
    tenant: device.tenant,
    device: device.id,
    idempotencyKey: item.idempotencyKey,
    contentHash: item.contentHash,
    serverSeq,
    receivedAt,
    serverKeyId: deps.serverKey.keyId,
  };
  return { json: JSON.stringify(body), signingBytes: receiptSigningBytes(body) };
}

function toResult(idempotencyKey: string, o: IngestOutcome | undefined): ItemResult {
  if (!o) return internalGap();
  if (o.status === 'conflict') {
    return {
      idempotencyKey,
      status: 'rejected',
      error: { code: 'IDEMPOTENCY_CONFLICT', message: 'This idempotency key was already stored with different content; nothing was stored' },
    };
  }
  // Parsed from the stored text, so a duplicate carries the original receipt field for field.
  return { idempotencyKey, status: o.status, receipt: { receipt: JSON.parse(o.receipt.json) as ReceiptBody, signature: o.receipt.signature } };
}

function internalGap(): never {
  throw new Error('storage returned fewer outcomes than items');
}

async function anchor(
  deps: SyncDeps,
  device: DeviceRecord,
  a: AuditAnchorWire,
  req: SignedRequestInfo,
  now: Date,
): Promise<Pick<SyncBatchResponse, 'checkpoint' | 'anchorError'>> {
  const anchored = { seq: device.lastAnchorSeq, hash: device.lastAnchorHash };
  const range = overlapRange(a, anchored.seq);
  const stored = new Map((range ? await deps.storage.auditHashes(device.id, range.from, range.to) : []).map((r) => [r.seq, r]));
  const decision = judgeAnchor(a, anchored, stored);
  const at = now.toISOString();

  if (decision.kind === 'equivocation') {
    await deps.storage.recordEquivocation({
      device: device.id,
      seq: decision.seq,
      storedHash: decision.storedHash,
      claimedHash: decision.claimedHash,
      detectedAt: at,
      // The signed request metadata proves the device itself made the conflicting claim.
      evidence: { stored: decision.stored, claimed: a.entries.find((e) => e.seq === decision.seq) ?? a.head, head: a.head, anchoredHead: anchored, request: req },
      audit: { ts: at, actor: 'server', action: 'device.equivocation', subject: device.id, payload: { seq: decision.seq, storedHash: decision.storedHash, claimedHash: decision.claimedHash } },
    });
    return { anchorError: { code: 'ANCHOR_EQUIVOCATION', message: `Seq ${decision.seq} was anchored with a different hash; the device has been flagged` } };
  }
  if (decision.kind === 'broken') return { anchorError: { code: 'ANCHOR_BROKEN', message: decision.message } };
  // The device's Merkle tree head must be the one its entry hashes give: the stored frontier at the
  // anchored head plus this batch's new entries (O(log n)); a device anchored before frontiers were
  // stored has its frontier rebuilt once from every anchored hash.
  let tree: { size: number; root: string } | null = null;
  let frontier = device.anchorFrontier;
  const h = merkleHasher();
  if (frontier.length !== popcount(anchored.seq)) {
    const rows = anchored.seq > 0 ? await deps.storage.auditHashes(device.id, 1, anchored.seq) : [];
    if (rows.length !== anchored.seq) return { anchorError: { code: 'ANCHOR_TREE_MISMATCH', message: 'The server does not hold every anchored hash; the tree cannot be countersigned' } };
    frontier = [];
    for (const r of rows) frontier = appendLeaf(h, frontier, anchored.seq, r.hash);
  }
  let size = anchored.seq;
  for (const e of decision.newEntries) frontier = appendLeaf(h, frontier, size++, e.hash);
  if (a.tree) {
    const root = frontierRootHex(h, frontier);
    if (a.tree.size !== decision.head.seq || root !== a.tree.root)
      return { anchorError: { code: 'ANCHOR_TREE_MISMATCH', message: `The Merkle tree head for ${a.tree.size} entries does not match the entry hashes the server holds (head ${decision.head.seq})` } };
    tree = { size: a.tree.size, root };
  }
  if (decision.newEntries.length > 0) {
    const moved = await deps.storage.advanceAnchor({
      device: device.id,
      expected: anchored,
      entries: decision.newEntries,
      head: decision.head,
      frontier,
      audit: { ts: at, actor: device.id, action: 'device.anchor.advanced', subject: device.id, payload: { fromSeq: anchored.seq, toSeq: decision.head.seq, head: decision.head.hash } },
    });
    // Another request from the same device anchored in between; the device retries from the new head.
    if (!moved) return { anchorError: { code: 'ANCHOR_BROKEN', message: 'The anchored head moved during this request; retry' } };
  }
  const checkpoint: CheckpointBody = {
    device: device.id,
    seq: decision.head.seq,
    head: decision.head.hash,
    serverSeq: await deps.storage.lastServerSeq(),
    time: at,
    serverKeyId: deps.serverKey.keyId,
    ...(tree ? { treeSize: tree.size, treeRoot: tree.root } : {}),
  };
  return { checkpoint: { checkpoint, signature: deps.serverKey.sign(checkpointSigningBytes(checkpoint)) } };
}
