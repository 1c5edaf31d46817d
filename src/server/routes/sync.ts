// POST /v1/sync/batch: exactly-once ingestion of encrypted items with signed receipts, plus
// optional audit anchoring. Results are returned in request order, one per item.
// GET /v1/sync/changes: the team feed (issue 9), paged in seq order, optionally long-polled.
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { ApiError } from '../../shared/errors';
import { msg } from '../../shared/messages';
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
import {
  APPROVAL_CONFLICT,
  APPROVER_ROLES,
  CHANGES_MAX_LIMIT,
  CHANGES_MAX_WAIT_S,
  type ApprovalConflictDetails,
  type ChangesResponse,
  type FeedItemWire,
} from '../../shared/team/protocol';
import { assertValid } from '../../shared/validation';
import type { ServerDeps } from '../deps';
import { listBundles, type ServerBundleEntry } from './bundles';
import { DEVICE_BLOCKED_REASON, type DeviceBlockedDetails } from '../../shared/server-api';
import { jsonBody, type AppEnv, type SignedRequestInfo } from '../http';
import { levelRank, type RiskResult } from '../../shared/risk';
import { deviceRisk, policyCacheFor, snapshotOf, versionLevelOf } from '../risk';
import type { DeviceRecord, DeviceRegistryUpdate, FeedPage, FeedQuery, FeedRow, IngestOutcome, IssuedReceipt, NewItem, ServerStorage } from '../storage/types';
import { rankOf } from '../storage/team';
import { judgeAnchor, overlapRange } from '../sync/anchor';
import { appendLeaf, frontierOfEntries, frontierRootHex, merkleHasher, popcount } from './anchor-frontier';

import { checkItem, findPlaintextField } from '../sync/items';
import { isComplete } from '../blobs/types';
import { keyForReceipt, serverKeysFor, signingKey } from './server-keys';
import { keyRingOf, signReceipts } from '../crypto/server-key-ring';
import { H_SERVER_KEYS } from '../../shared/sync/server-keys';

let listingCache: { dir: string; at: number; list: ServerBundleEntry[] } | null = null;
/** The bundles directory listing, re-read at most every 10 s (it changes when an operator publishes). */
async function bundleListing(dir: string): Promise<ServerBundleEntry[]> {
  if (listingCache && listingCache.dir === dir && Date.now() - listingCache.at < 10_000) return listingCache.list;
  const list = await listBundles(dir);
  listingCache = { dir, at: Date.now(), list };
  return list;
}

export type SyncDeps = Pick<ServerDeps, 'storage' | 'clock' | 'serverKey' | 'contracts' | 'bundlesDir' | 'blobs' | 'metrics' | 'lifecycle'>;

/** The batch, refused whole if any item carries a plaintext-capable field, if it is malformed, or if it names another device. */
function parseBatch(device: AppEnv['Variables']['device'], raw: unknown): SyncBatchRequest {
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
  return batch;
}

// Checked after authentication (so the nonce is spent) and before anything is stored. The
// device keeps its data: nothing is deleted, and it can send it once an admin unblocks it. The
// details tell it when, why and how the server rates it, so it can show that to its user.
async function refuseIfBlocked(deps: SyncDeps, device: AppEnv['Variables']['device'], now: Date): Promise<void> {
  if (device.blockedAt !== null) {
    const { policy } = await policyCacheFor(deps.storage).get(device.tenant);
    const details: DeviceBlockedDetails = {
      reason: DEVICE_BLOCKED_REASON,
      blockedAt: device.blockedAt,
      blockedReason: device.blockedReason,
      deviceStatus: statusOf(device, deviceRisk(device, deps.contracts, policy, now)),
    };
    throw new ApiError(
      'FORBIDDEN',
      'This device has been blocked by an administrator; its data stays on the device and will sync once it is unblocked',
      details,
    );
  }
}

/** Each item's check: a result for the refused ones (null for the rest), and the accepted items by index. */
async function checkItems(
  deps: SyncDeps,
  device: AppEnv['Variables']['device'],
  batch: SyncBatchRequest,
): Promise<{ results: (ItemResult | null)[]; accepted: { index: number; item: NewItem }[] }> {
  const results: (ItemResult | null)[] = [];
  const accepted: { index: number; item: NewItem }[] = [];
  (batch.items as unknown[]).forEach((rawItem, index) => {
    const check = checkItem(rawItem, deps.contracts);
    results.push(check.ok ? null : check.result);
    if (check.ok) accepted.push({ index, item: check.item });
  });
  // Approvals: signed by a reviewer's or an admin's device, for a device of the same tenant.
  const targets = await approvalTargets(
    deps.storage,
    device,
    accepted.map((a) => a.item),
  );
  for (let i = accepted.length - 1; i >= 0; i--) {
    const refusal = approvalRefusal(device, accepted[i]!.item, targets) ?? (await attachmentRefusal(deps, device, accepted[i]!.item));
    if (refusal) {
      results[accepted[i]!.index] = refusal;
      accepted.splice(i, 1);
    }
  }
  return { results, accepted };
}

export function createSyncRouter(deps: SyncDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();

  router.post('/batch', async (c) => {
    const device = c.get('device');
    const raw = jsonBody(c);

    const batch = parseBatch(device, raw);
    deps.metrics?.batch(batch.items.length);
    const now = deps.clock.now();
    await refuseIfBlocked(deps, device, now);
    const key = signingKey(deps.serverKey, now);

    const receivedAt = now.toISOString();
    const { registry, status } = await registryUpdate(deps, device, batch, receivedAt, now);
    const { results, accepted } = await checkItems(deps, device, batch);

    const outcomes = await deps.storage.ingestBatch({
      tenant: device.tenant,
      device: device.id,
      user: device.user,
      appVersion: batch.appVersion,
      receivedAt,
      registry,
      items: accepted.map((a) => a.item),
      receiptFor: (item, serverSeq) => receiptFor(key.keyId, device, item, serverSeq, receivedAt),
      signingBytesOf: (json) => receiptSigningBytes(JSON.parse(json) as ReceiptBody),
      sign: (messages) => {
        deps.metrics?.receiptsSigned(messages.length);
        return signReceipts(keyRingOf(deps.serverKey), key, messages);
      },
    });
    accepted.forEach((a, i) => {
      results[a.index] = toResult(a.item.idempotencyKey, outcomes[i], device.id);
    });

    const res: SyncBatchResponse = {
      results: results.map((r) => r ?? internalGap()),
      contracts: deps.contracts.map(),
      serverTime: receivedAt,
      deviceStatus: status,
      ...serverKeysFor(deps.serverKey, c.req.header(H_SERVER_KEYS)),
    };
    deps.metrics?.items(res.results.map((r) => r.status));
    // After the items, so the checkpoint's serverSeq covers what this batch stored.
    if (batch.anchor) Object.assign(res, await anchor(deps, device, batch.anchor, c.get('signedRequest'), now));
    return c.json(res);
  });

  router.get('/changes', async (c) => {
    const device = c.get('device');
    const { since, limit, wait } = changesQuery(c.req.query());
    const query: FeedQuery = { tenant: device.tenant, device: device.id, rank: rankOf(device.roles), since, limit, maxBytes: CHANGES_MAX_BYTES };
    // A shutdown (lifecycle.ts) ends the wait like a client abort: the page goes out as a normal 200.
    const signal = deps.lifecycle ? AbortSignal.any([c.req.raw.signal, deps.lifecycle.drain]) : c.req.raw.signal;
    const page = wait > 0 ? await longPoll(deps, query, wait * 1000, signal) : await deps.storage.pullFeed(query);
    if (deps.lifecycle?.drain.aborted) {
      c.header('Retry-After', '1');
      c.header('Connection', 'close');
    }
    const res: ChangesResponse = {
      since,
      until: page.until,
      hasMore: page.hasMore,
      items: page.rows.map((r) => feedItemWire(deps, r)),
      serverTime: deps.clock.now().toISOString(),
      // Policy, workflow and contract updates reach devices on the pull too: the signed bundles the
      // server offers (advisory versions; the device fetches and verifies what is newer).
      ...(deps.bundlesDir ? { bundles: await bundleListing(deps.bundlesDir) } : {}),
      ...serverKeysFor(deps.serverKey, c.req.header(H_SERVER_KEYS)),
    };
    return c.json(res);
  });

  return router;
}

/** Ciphertext bytes per page of GET /v1/sync/changes (always at least one row). */
export const CHANGES_MAX_BYTES = 4 * 1024 * 1024;
export const CHANGES_DEFAULT_LIMIT = 500;

const changesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' },
    wait: { type: 'string', pattern: '^(0|[1-9][0-9]?)$' },
  },
} as const;

function changesQuery(raw: Record<string, string>): { since: number; limit: number; wait: number } {
  const q = assertValid<{ since?: string; limit?: string; wait?: string }>(changesQuerySchema, raw, 'Changes query');
  const since = Number(q.since ?? '0');
  const limit = Number(q.limit ?? String(CHANGES_DEFAULT_LIMIT));
  const wait = Number(q.wait ?? '0');
  if (limit > CHANGES_MAX_LIMIT) throw new ApiError('VALIDATION_ERROR', `limit must be from 1 to ${CHANGES_MAX_LIMIT}`, { reason: 'query', param: 'limit' });
  if (wait > CHANGES_MAX_WAIT_S)
    throw new ApiError('VALIDATION_ERROR', `wait must be from 0 to ${CHANGES_MAX_WAIT_S} seconds`, { reason: 'query', param: 'wait' });
  return { since, limit, wait };
}

/**
 * A pull that waits: subscribed to the tenant's feed before the first scan, so a row appended
 * between a scan and the wait still wakes it; answers as soon as a scan finds rows visible to the
 * caller, or when the wait ends or the client goes away (possibly empty).
 */
async function longPoll({ storage, metrics }: SyncDeps, query: FeedQuery, waitMs: number, signal: AbortSignal): Promise<FeedPage> {
  const deadline = Date.now() + waitMs;
  let woken = false;
  let wake: (() => void) | null = null;
  // When the wake that led to the current scan came (metrics: wake-to-answer latency).
  let wokeAt: number | null = null;
  let scanFrom: number | null = null;
  const closed = metrics?.longPollOpened();
  const unsubscribe = storage.subscribeFeed(query.tenant, () => {
    woken = true;
    wokeAt ??= performance.now();
    wake?.();
  });
  try {
    let page = await storage.pullFeed(query);
    for (;;) {
      if (page.rows.length > 0) {
        if (scanFrom !== null) metrics?.wake((performance.now() - scanFrom) / 1000);
        return page;
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) return page;
      if (!woken) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            wake = null;
            resolve();
          };
          const timer = setTimeout(done, left);
          wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
      if (!woken) return page;
      woken = false;
      scanFrom = wokeAt;
      wokeAt = null;
      // Rows up to `until` were invisible to the caller: scan on from there (the reply still echoes
      // the caller's `since`; `until` only grows).
      page = await storage.pullFeed({ ...query, since: page.until });
    }
  } finally {
    unsubscribe();
    closed?.();
  }
}

function feedItemWire(deps: SyncDeps, r: FeedRow): FeedItemWire {
  const out: FeedItemWire = { seq: r.seq, kind: r.kind, at: r.at };
  if (r.kind === 'item' && r.item) {
    const it = r.item;
    const receipt = JSON.parse(it.receipt.json) as ReceiptBody;
    out.item = {
      from: it.from,
      fromUser: it.fromUser,
      wire: {
        idempotencyKey: it.idempotencyKey,
        contract: it.contract,
        kind: it.kind,
        createdAt: it.createdAt,
        keyVersion: it.keyVersion,
        ...(it.keyScope ? { keyScope: it.keyScope } : {}),
        ...(it.subject !== null ? { subject: it.subject } : {}),
        ...(it.to !== null ? { to: it.to } : {}),
        ciphertext: it.ciphertext.toString('base64'),
        iv: it.iv,
        tag: it.tag,
        contentHash: it.contentHash,
        // The blobs the item named (the receipt lists them): a reviewer fetches them when opened.
        ...(receipt.attachments ? { attachments: receipt.attachments } : {}),
      },
      // A row an older server left unsigned (a crash between its two write phases) gets the signature
      // it lacks: Ed25519 is deterministic.
      receipt: { receipt, signature: it.receipt.signature || keyForReceipt(deps.serverKey, receipt.serverKeyId).sign(receiptSigningBytes(receipt)) },
    };
  } else if (r.body !== null) {
    const body: unknown = JSON.parse(r.body);
    if (r.kind === 'cert') out.cert = body as FeedItemWire['cert'];
    else if (r.kind === 'key') out.key = body as FeedItemWire['key'];
    else if (r.kind === 'event') out.event = body as FeedItemWire['event'];
  }
  return out;
}

/** The devices named by the batch's approvals (`to`), as stored. */
async function approvalTargets(storage: ServerStorage, device: DeviceRecord, items: readonly NewItem[]): Promise<Map<string, DeviceRecord | null>> {
  const out = new Map<string, DeviceRecord | null>();
  if (!device.roles.some((r) => APPROVER_ROLES.includes(r))) return out;
  for (const it of items) {
    if (it.kind === 'approval' && it.to && !out.has(it.to)) out.set(it.to, await storage.getDevice(it.to));
  }
  return out;
}

/**
 * A record and its attachments are one unit: an item naming blobs is taken only when every one is
 * stored whole in the device's tenant (the device uploads them first and sends the item again).
 */
async function attachmentRefusal(deps: SyncDeps, device: DeviceRecord, it: NewItem): Promise<ItemResult | null> {
  const names = it.attachments ?? [];
  if (names.length === 0) return null;
  const missing: string[] = [];
  for (const b of names) if (!deps.blobs || !(await isComplete(deps.blobs, device.tenant, b))) missing.push(b);
  if (missing.length === 0) return null;
  return {
    idempotencyKey: it.idempotencyKey,
    status: 'rejected',
    error: {
      code: 'ATTACHMENT_MISSING',
      message: `${missing.length} of the item's attachments are not stored on the server yet; nothing was stored`,
      details: { reason: 'attachment_missing', missing },
    },
  };
}

function approvalRefusal(device: DeviceRecord, it: NewItem, targets: ReadonlyMap<string, DeviceRecord | null>): ItemResult | null {
  if (it.kind !== 'approval') return null;
  const reject = (code: 'FORBIDDEN' | 'VALIDATION_ERROR', message: string, reason: string): ItemResult => ({
    idempotencyKey: it.idempotencyKey,
    status: 'rejected',
    error: { code, message, details: { reason } },
  });
  if (!device.roles.some((r) => APPROVER_ROLES.includes(r))) {
    return reject('FORBIDDEN', 'Only a reviewer or admin device may send an approval; nothing was stored', 'role');
  }
  const target = it.to ? targets.get(it.to) : null;
  if (!target || target.tenant !== device.tenant) {
    return reject('VALIDATION_ERROR', `Approval target ${it.to ?? ''} is not a device of this tenant; nothing was stored`, 'approval_target');
  }
  return null;
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

function receiptFor(serverKeyId: string, device: DeviceRecord, item: NewItem, serverSeq: number, receivedAt: string): IssuedReceipt {
  const body: ReceiptBody = {
    // randomUUID draws from a pre-filled entropy cache: much cheaper per call than randomBytes.
    receiptId: `rcp_${randomUUID()}`,
    tenant: device.tenant,
    device: device.id,
    idempotencyKey: item.idempotencyKey,
    contentHash: item.contentHash,
    serverSeq,
    receivedAt,
    serverKeyId,
    ...(item.attachments && item.attachments.length > 0 ? { attachments: [...item.attachments] } : {}),
  };
  return { json: JSON.stringify(body), signingBytes: receiptSigningBytes(body) };
}

function toResult(idempotencyKey: string, o: IngestOutcome | undefined, sender: string): ItemResult {
  if (!o) return internalGap();
  if (o.status === 'decided') {
    const details: ApprovalConflictDetails = { reason: 'card_decided', winner: o.winner };
    return {
      idempotencyKey,
      status: 'rejected',
      error: { code: APPROVAL_CONFLICT, message: 'Another decision for this card reached the server first; nothing was stored', details: { ...details } },
    };
  }
  if (o.status === 'conflict') {
    return {
      idempotencyKey,
      status: 'rejected',
      error: { code: 'IDEMPOTENCY_CONFLICT', message: 'This idempotency key was already stored with different content; nothing was stored' },
    };
  }
  // Parsed from the stored text, so a duplicate carries the original receipt field for field.
  const receipt = JSON.parse(o.receipt.json) as ReceiptBody;
  // Keys are unique per tenant (docs/sync.md): a key another device stored is not this device's
  // to confirm. It gets no receipt (which would name the other device and its content hash).
  if (o.status === 'duplicate' && receipt.device !== sender) {
    return {
      idempotencyKey,
      status: 'rejected',
      error: {
        code: 'IDEMPOTENCY_CONFLICT',
        message: 'Another device stored an item under this idempotency key; nothing was stored',
        details: { reason: 'other_device' },
      },
    };
  }
  return { idempotencyKey, status: o.status, receipt: { receipt, signature: o.receipt.signature } };
}

function internalGap(): never {
  throw new Error('storage returned fewer outcomes than items');
}

type Equivocation = Extract<ReturnType<typeof judgeAnchor>, { kind: 'equivocation' }>;

/** Flags the device and keeps the evidence of its conflicting claim. */
async function flagEquivocation(
  deps: SyncDeps,
  device: DeviceRecord,
  a: AuditAnchorWire,
  decision: Equivocation,
  { anchored, req, at }: { anchored: { seq: number; hash: string }; req: SignedRequestInfo; at: string },
): Promise<void> {
  await deps.storage.recordEquivocation({
    device: device.id,
    seq: decision.seq,
    storedHash: decision.storedHash,
    claimedHash: decision.claimedHash,
    detectedAt: at,
    // The signed request metadata proves the device itself made the conflicting claim.
    evidence: {
      stored: decision.stored,
      claimed: a.entries.find((e) => e.seq === decision.seq) ?? a.head,
      head: a.head,
      anchoredHead: anchored,
      request: req,
    },
    audit: {
      ts: at,
      actor: 'server',
      action: 'device.equivocation',
      subject: device.id,
      payload: { seq: decision.seq, storedHash: decision.storedHash, claimedHash: decision.claimedHash },
    },
  });
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
    await flagEquivocation(deps, device, a, decision, { anchored, req, at });
    return { anchorError: { code: 'ANCHOR_EQUIVOCATION', message: msg('alerts.anchor.equivocation', { seq: String(decision.seq) }) } };
  }
  if (decision.kind === 'broken') return { anchorError: { code: 'ANCHOR_BROKEN', message: decision.reason } };
  // The device's Merkle tree head must be the one its entry hashes give: the stored frontier at the
  // anchored head plus this batch's new entries (O(log n)); a device anchored before frontiers were
  // stored has its frontier rebuilt once from every anchored hash.
  let tree: { size: number; root: string } | null = null;
  let frontier = device.anchorFrontier;
  const h = merkleHasher();
  if (frontier.length !== popcount(anchored.seq)) {
    const rows = anchored.seq > 0 ? await deps.storage.auditHashes(device.id, 1, anchored.seq) : [];
    if (rows.length !== anchored.seq) return { anchorError: { code: 'ANCHOR_TREE_MISMATCH', message: msg('alerts.anchor.tree_incomplete') } };
    // (Leaf i on a frontier of i leaves: the rebuild once gave every leaf anchored.seq, a wrong root.)
    ({ frontier } = frontierOfEntries(
      h,
      rows.map((r) => r.hash),
    ));
  }
  let size = anchored.seq;
  for (const e of decision.newEntries) frontier = appendLeaf(h, frontier, size++, e.hash);
  if (a.tree) {
    const root = frontierRootHex(h, frontier);
    if (a.tree.size !== decision.head.seq || root !== a.tree.root)
      return {
        anchorError: {
          code: 'ANCHOR_TREE_MISMATCH',
          message: msg('alerts.anchor.tree_mismatch', { size: String(a.tree.size), head: String(decision.head.seq) }),
        },
      };
    tree = { size: a.tree.size, root };
  }
  if (decision.newEntries.length > 0) {
    const moved = await deps.storage.advanceAnchor({
      device: device.id,
      expected: anchored,
      entries: decision.newEntries,
      head: decision.head,
      frontier,
      audit: {
        ts: at,
        actor: device.id,
        action: 'device.anchor.advanced',
        subject: device.id,
        payload: { fromSeq: anchored.seq, toSeq: decision.head.seq, head: decision.head.hash },
      },
    });
    // Another request from the same device anchored in between; the device retries from the new head.
    if (!moved) return { anchorError: { code: 'ANCHOR_BROKEN', message: msg('alerts.anchor.moved') } };
  }
  const key = signingKey(deps.serverKey, now);
  const checkpoint: CheckpointBody = {
    device: device.id,
    seq: decision.head.seq,
    head: decision.head.hash,
    serverSeq: await deps.storage.lastServerSeq(),
    time: at,
    serverKeyId: key.keyId,
    ...(tree ? { treeSize: tree.size, treeRoot: tree.root } : {}),
  };
  return { checkpoint: { checkpoint, signature: key.sign(checkpointSigningBytes(checkpoint)) } };
}
