// JSON Schema (draft 2020-12) for every channel's request and response and every push event.
// Plain data: the main process and the server compile them with ajv; the renderer never needs to.
import { ADMIN_DEVICE_ACTIONS, type ChannelName, type EventName } from './types';
import { RISK_LEVELS, riskPolicySchema } from '../risk';
import { RUN_STATUSES } from '../workflow/types';
import {
  cardListQuerySchema,
  cardListResponseSchema,
  cardStatsSchema,
  decisionCardSchema,
  loadProblemSchema,
  policyStatusSchema,
  runSummarySchema,
  runViewSchema,
  workflowInfoSchema,
} from '../workflow/schemas';
import {
  ADMIN_DEVICE_SORTS,
  adminDeviceDetailResponseSchema,
  adminDeviceListResponseSchema,
  adminDeviceViewSchema,
  riskPolicyResponseSchema,
  riskSummaryResponseSchema,
} from '../server-api';

import {
  bundleProgressSchema,
  installResultSchema,
  sealedStateReportSchema,
  updateStatusSchema,
  verifyResultSchema,
  BUNDLE_NAME_PATTERN,
} from '../bundles/schemas';

import { addArtifactRequestSchema, artifactViewSchema, complianceReportSchema, releaseGateResultSchema, runIdRequestSchema } from '../evidence/schemas';
import {
  teamRecordPageSchema,
  teamRecordQuerySchema,
  teamCardPageSchema,
  teamCardQuerySchema,
  teamCardViewSchema,
  teamDecideRequestSchema,
  teamPeerSchema,
  teamRefusalSchema,
  teamRunPageSchema,
  teamRunQuerySchema,
  teamRunViewSchema,
  teamStatusSchema,
} from '../team/view-schemas';
import { memoryAddSchema, memoryItemSchema, memorySearchQuerySchema, memorySearchResultSchema, memoryStatsSchema, modelStatusSchema } from '../memory/schemas';

type Schema = Record<string, unknown>;

const empty: Schema = { type: 'object', additionalProperties: false, properties: {} };
const isoTime: Schema = { type: 'string', format: 'date-time', maxLength: 40 };
const sha256Hex: Schema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const shortText = (max: number): Schema => ({ type: 'string', minLength: 1, maxLength: max });

const profile: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'tenant', 'role', 'deviceId', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    tenant: { type: 'string' },
    role: { enum: ['field', 'reviewer', 'admin'] },
    deviceId: { type: 'string' },
    createdAt: isoTime,
  },
};

const auditEntry: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'ts', 'actor', 'action', 'subject', 'payload', 'prevHash', 'hash'],
  properties: {
    seq: { type: 'integer', minimum: 1 },
    ts: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    subject: { type: 'string' },
    payload: {},
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
};

const auditHead: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'hash'],
  properties: { seq: { type: 'integer', minimum: 0 }, hash: sha256Hex },
};

const verifyResult: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['valid', 'checked', 'head', 'firstBad', 'verifiedAt', 'durationMs'],
  properties: {
    valid: { type: 'boolean' },
    checked: { type: 'integer', minimum: 0 },
    head: { anyOf: [{ type: 'null' }, auditHead] },
    firstBad: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['seq', 'reason', 'message'],
          properties: {
            seq: { type: 'integer' },
            reason: { enum: ['payload_altered', 'link_broken', 'seq_gap', 'truncated_tail', 'malformed_row'] },
            message: { type: 'string' },
          },
        },
      ],
    },
    verifiedAt: isoTime,
    durationMs: { type: 'number', minimum: 0 },
  },
};

const healthReport: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'checkedAt', 'checks'],
  properties: {
    status: { enum: ['ok', 'warn', 'error'] },
    checkedAt: isoTime,
    checks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'service', 'status', 'summary', 'figures'],
        properties: {
          id: { type: 'string' },
          service: { type: 'string' },
          status: { enum: ['ok', 'warn', 'error'] },
          summary: { type: 'string' },
          figures: {
            type: 'object',
            additionalProperties: { type: ['number', 'string', 'boolean', 'null'] },
          },
        },
      },
    },
  },
};

const str = { type: 'string' };
/** Why an admin acts: 3-500 characters, not only blanks (the server's own rule). */
const adminReason: Schema = { type: 'string', minLength: 3, maxLength: 500, pattern: '\\S' };
const nullable = (x: Schema): Schema => ({ anyOf: [{ type: 'null' }, x] });
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const ulid: Schema = { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' };
const contractRef: Schema = { type: 'string', pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*){2}@\\d+\\.\\d+\\.\\d+$', maxLength: 120 };
const outboxState: Schema = { enum: ['queued', 'acked', 'dead', 'blocked', 'discarded'] };
const role: Schema = { enum: ['field', 'reviewer', 'admin'] };

const contractDoc: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['contract', 'title', 'kind', 'permission', 'pii', 'riskHints', 'schema'],
  properties: {
    contract: str,
    title: str,
    description: str,
    kind: { enum: ['capture', 'draft', 'submit'] },
    permission: str,
    pii: { type: 'array', items: str },
    riskHints: { type: 'object' },
    schema: { type: 'object' },
  },
};
const draft: Schema = obj({ id: str, contract: str, data: {}, createdAt: str, updatedAt: str });
const outboxItem: Schema = obj({
  id: str,
  idempotencyKey: str,
  kind: { enum: ['record', 'attachment', 'run', 'card', 'approval'] },
  contract: str,
  recordId: nullable(str),
  attachmentHash: nullable(str),
  createdAt: str,
  state: outboxState,
  attempts: { type: 'integer' },
  nextAttemptAt: str,
  lastError: nullable(str),
  contentHash: nullable(str),
  serverSeq: nullable({ type: 'integer' }),
  receiptVerified: { type: 'boolean' },
  receiptId: nullable(str),
  ackedAt: nullable(str),
  requiredVersion: nullable(str),
  summary: str,
});
const counts: Schema = obj({
  queued: { type: 'integer' },
  acked: { type: 'integer' },
  dead: { type: 'integer' },
  blocked: { type: 'integer' },
  discarded: { type: 'integer' },
});
const syncStatus: Schema = obj({
  phase: { enum: ['not_enrolled', 'locked', 'idle', 'offline', 'syncing', 'error'] },
  enrolled: nullable(obj({ serverUrl: str, deviceId: str, tenant: str, user: str, roles: { type: 'array', items: role }, serverKeyId: str, enrolledAt: str })),
  reachable: { type: ['boolean', 'null'] },
  lastSyncAt: nullable(str),
  lastError: nullable(str),
  counts,
  progress: nullable(obj({ itemsTotal: { type: 'integer' }, itemsDone: { type: 'integer' }, bytesTotal: { type: 'integer' }, bytesDone: { type: 'integer' } })),
  keyStore: obj({ kind: { enum: ['keychain', 'vault'] }, locked: { type: 'boolean' }, note: str }),
  alerts: { type: 'array', items: obj({ id: { type: 'integer' }, at: str, code: str, message: str, subject: str }) },
  anchor: nullable(obj({ seq: { type: 'integer' }, head: str, time: str })),
});

export interface ChannelSchemas {
  req: Schema;
  res: Schema;
  /** Who may call it: 'renderer' channels are exposed to the UI (all of them today). */
  summary: string;
}

export const channelSchemas: Record<ChannelName, ChannelSchemas> = {
  'system.info': {
    summary: 'App version, host kind and data directory.',
    req: empty,
    res: {
      type: 'object',
      additionalProperties: false,
      required: ['version', 'host', 'dataDir', 'platform', 'schemaVersion'],
      properties: {
        version: { type: 'string' },
        host: { enum: ['electron', 'web'] },
        dataDir: { type: 'string' },
        platform: { type: 'string' },
        schemaVersion: { type: 'integer' },
      },
    },
  },
  'system.health': { summary: 'Every registered service check with status, figures and a sentence.', req: empty, res: healthReport },
  'profile.get': {
    summary: 'The local profile, or null before first-run setup.',
    req: empty,
    res: {
      type: 'object',
      additionalProperties: false,
      required: ['profile'],
      properties: { profile: { anyOf: [{ type: 'null' }, profile] } },
    },
  },
  'profile.setup': {
    summary: 'First-run: create the local profile (role field until enrollment).',
    req: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'tenant'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 120, pattern: '\\S' },
        tenant: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$' },
      },
    },
    res: { type: 'object', additionalProperties: false, required: ['profile'], properties: { profile } },
  },
  'audit.append': {
    summary: 'Append a user-authored note; the actor is always the local profile.',
    req: {
      type: 'object',
      additionalProperties: false,
      required: ['note'],
      properties: { note: { ...shortText(4000), pattern: '\\S' }, subject: { type: 'string', maxLength: 200 } },
    },
    res: { type: 'object', additionalProperties: false, required: ['entry'], properties: { entry: auditEntry } },
  },
  'audit.list': {
    summary: 'Page through the audit log, newest first, filtered by action, actor and time.',
    req: {
      type: 'object',
      additionalProperties: false,
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: 500 },
        beforeSeq: { type: 'integer', minimum: 1 },
        action: { type: 'string', maxLength: 100 },
        actor: { type: 'string', maxLength: 200 },
        fromTs: isoTime,
        toTs: isoTime,
      },
    },
    res: {
      type: 'object',
      additionalProperties: false,
      required: ['entries', 'total', 'nextBeforeSeq'],
      properties: {
        entries: { type: 'array', items: auditEntry },
        total: { type: 'integer', minimum: 0 },
        nextBeforeSeq: { anyOf: [{ type: 'null' }, { type: 'integer' }] },
      },
    },
  },
  'audit.get': {
    summary: 'One audit entry by seq.',
    req: {
      type: 'object',
      additionalProperties: false,
      required: ['seq'],
      properties: { seq: { type: 'integer', minimum: 1 } },
    },
    res: { type: 'object', additionalProperties: false, required: ['entry'], properties: { entry: auditEntry } },
  },
  'audit.facets': {
    summary: 'Distinct actions and actors, for filters.',
    req: empty,
    res: {
      type: 'object',
      additionalProperties: false,
      required: ['actions', 'actors'],
      properties: {
        actions: { type: 'array', items: { type: 'string' } },
        actors: { type: 'array', items: { type: 'string' } },
      },
    },
  },
  'audit.verify': {
    summary: 'Recompute the hash chain; valid, or the first bad seq and why.',
    req: {
      type: 'object',
      additionalProperties: false,
      properties: { knownHead: auditHead },
    },
    res: verifyResult,
  },
  'contracts.list': { summary: 'Action contracts this device can capture.', req: empty, res: obj({ contracts: { type: 'array', items: contractDoc } }) },
  'drafts.save': {
    summary: 'Create or update a draft (autosave); data need not be complete or valid yet.',
    req: obj({ id: ulid, contract: contractRef, data: { type: 'object' } }, ['contract', 'data']),
    res: obj({ draft }),
  },
  'drafts.list': { summary: 'Drafts, most recently edited first.', req: empty, res: obj({ drafts: { type: 'array', items: draft } }) },
  'drafts.get': { summary: 'One draft.', req: obj({ id: ulid }), res: obj({ draft }) },
  'drafts.delete': { summary: 'Delete a draft.', req: obj({ id: ulid }), res: obj({ deleted: { const: true } }) },
  'attachments.put': {
    summary: 'Store a file content-addressed; returns its sha256 reference for a capture form.',
    req: obj({
      name: { type: 'string', minLength: 1, maxLength: 200 },
      mime: { type: 'string', pattern: '^[a-z]+/[a-z0-9.+-]+$', maxLength: 100 },
      dataBase64: { type: 'string', maxLength: 14 * 1024 * 1024, pattern: '^[A-Za-z0-9+/]*={0,2}$' },
    }),
    res: obj({ hash: str, ref: str, size: { type: 'integer' } }),
  },
  'attachments.get': {
    summary: 'A stored attachment by its sha256, for previews.',
    req: obj({ hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } }),
    res: obj({ name: str, mime: str, size: { type: 'integer' }, dataBase64: str }),
  },
  'capture.submit': {
    summary: 'Validate against the contract; record, audit entry and outbox item in one transaction.',
    req: obj({ contract: contractRef, data: { type: 'object' }, draftId: ulid }, ['contract', 'data']),
    res: obj({ recordId: str, outboxId: str }),
  },
  'records.list': {
    summary: 'Captured records, newest first, with their outbox state.',
    req: obj({ limit: { type: 'integer', minimum: 1, maximum: 500 } }, []),
    res: obj({ records: { type: 'array', items: obj({ id: str, contract: str, createdAt: str, state: nullable(str) }) } }),
  },
  'outbox.list': {
    summary: 'Outbox items (newest first) and counts per state.',
    req: obj({ state: outboxState, limit: { type: 'integer', minimum: 1, maximum: 500 }, beforeId: ulid }, []),
    res: obj({ items: { type: 'array', items: outboxItem }, counts }),
  },
  'outbox.retry': { summary: 'Put a dead-lettered or blocked item back in the queue.', req: obj({ id: ulid }), res: obj({ item: outboxItem }) },
  'outbox.discard': {
    summary: 'Discard a dead-lettered or blocked item (confirmed, audited).',
    req: obj({ id: ulid, reason: { type: 'string', minLength: 3, maxLength: 500 }, confirm: { const: true } }),
    res: obj({ item: outboxItem }),
  },
  'sync.status': { summary: 'Enrollment, reachability, queue counts, progress, key store, alerts.', req: empty, res: syncStatus },
  'sync.now': { summary: 'Send everything queued now; resolves when the run ends.', req: empty, res: syncStatus },
  'sync.enroll': {
    summary: 'Enroll this device with a one-time token from an admin.',
    req: obj({ serverUrl: { type: 'string', pattern: '^https?://', maxLength: 300 }, token: { type: 'string', minLength: 16, maxLength: 200 } }),
    res: syncStatus,
  },
  'sync.rotateKey': {
    summary: 'New data-key version for new items; old versions are kept to decrypt.',
    req: empty,
    res: obj({ tenant: str, version: { type: 'integer' } }),
  },
  'governance.status': {
    summary: "This device's risk level with reasons, allowed actions and whether a submit is possible now.",
    req: empty,
    res: obj({
      risk: obj({
        level: { enum: ['low', 'medium', 'high', 'critical'] },
        reasons: { type: 'array', items: str },
        allowedActions: { type: 'array', items: { enum: ['read', 'capture', 'draft', 'submit', 'sync'] } },
      }),
      now: str,
      clockRolledBack: { type: 'boolean' },
      lastSyncAt: nullable(str),
      submitFreshnessHours: { type: 'integer' },
      freshForSubmit: { type: 'boolean' },
      pendingCount: { type: 'integer' },
      server: nullable(
        obj({
          blocked: { type: 'boolean' },
          blockedAt: nullable(str),
          blockedReason: nullable(str),
          updateRequired: { type: 'boolean' },
          risk: obj({ level: { enum: ['low', 'medium', 'high', 'critical'] }, reasons: { type: 'array', items: str } }),
          at: str,
        }),
      ),
    }),
  },
  'keys.unlock': {
    summary: 'Unlock (or create) the passphrase vault where no OS keychain exists.',
    req: obj({ passphrase: { type: 'string', minLength: 8, maxLength: 1024 } }),
    res: syncStatus,
  },
  'admin.devices.list': {
    summary: "A page of the tenant's devices with their risk (admin credential; signed request to the sync server).",
    req: obj(
      {
        level: { enum: [...RISK_LEVELS] },
        sort: { enum: [...ADMIN_DEVICE_SORTS] },
        dir: { enum: ['asc', 'desc'] },
        q: { type: 'string', maxLength: 100 },
        limit: { type: 'integer', minimum: 1, maximum: 500 },
        cursor: { type: 'string', minLength: 1, maxLength: 2000 },
      },
      [],
    ),
    res: adminDeviceListResponseSchema,
  },
  'admin.devices.get': {
    summary: 'One device with its risk, reasons and up to 90 daily snapshots (sync history).',
    req: obj({ id: shortText(200) }),
    res: adminDeviceDetailResponseSchema,
  },
  'admin.devices.act': {
    summary: 'Block, unblock, require or clear an update, or revoke a device; needs a reason and confirm: true. Audited on the server and on this device.',
    req: obj({ id: shortText(200), action: { enum: [...ADMIN_DEVICE_ACTIONS] }, reason: adminReason, confirm: { const: true } }),
    res: obj({ device: adminDeviceViewSchema }),
  },
  'admin.summary': {
    summary: "Devices per risk level and by days since last sync, for the board's charts.",
    req: empty,
    res: riskSummaryResponseSchema,
  },
  'admin.policy.get': { summary: "The tenant's stale thresholds (risk policy).", req: empty, res: riskPolicyResponseSchema },
  'admin.policy.set': {
    summary: "Set the tenant's stale thresholds; needs a reason and confirm: true. Audited.",
    req: obj({ policy: riskPolicySchema, reason: adminReason, confirm: { const: true } }),
    res: riskPolicyResponseSchema,
  },
  'workflows.list': {
    summary: 'Workflow manifests that loaded (allowlisted executors only), and the files refused with file, line and reason.',
    req: empty,
    res: obj({ workflows: { type: 'array', items: workflowInfoSchema }, problems: { type: 'array', items: loadProblemSchema } }),
  },
  'runs.start': {
    summary: "Start a run of a workflow; the input must pass the workflow's input contract or no run starts.",
    req: obj({ workflow: shortText(200), input: { type: 'object' } }),
    res: obj({ run: runViewSchema }),
  },
  'runs.list': {
    summary: 'Runs, newest first, with status and progress.',
    req: obj({ status: { enum: [...RUN_STATUSES] }, limit: { type: 'integer', minimum: 1, maximum: 500 }, beforeId: shortText(100) }, []),
    res: obj({ runs: { type: 'array', items: runSummarySchema }, nextBeforeId: nullable(str) }),
  },
  'runs.get': {
    summary: 'One run with its step timeline and its decision cards.',
    req: obj({ id: shortText(100) }),
    res: obj({ run: runViewSchema, cards: { type: 'array', items: decisionCardSchema } }),
  },
  'runs.decide': {
    summary: 'Approve or reject a run waiting for approval (reviewer or admin role); needs a comment and confirm: true. Audited; appended to the card.',
    req: obj({ runId: shortText(100), decision: { enum: ['approve', 'reject'] }, comment: adminReason, confirm: { const: true } }),
    res: obj({ run: runViewSchema }),
  },
  'cards.list': {
    summary: 'Decision cards: filter by text, lane, status, failed invariant, run, date range; sort by time, cost or uncertainty; keyset pages.',
    req: cardListQuerySchema,
    res: cardListResponseSchema,
  },
  'cards.get': { summary: 'One decision card with its approvals.', req: obj({ id: shortText(100) }), res: obj({ card: decisionCardSchema }) },
  'cards.stats': {
    summary: 'Cards per lane per day and the most often failed invariants (the reviewer charts).',
    req: obj({ days: { type: 'integer', minimum: 1, maximum: 366 } }, []),
    res: cardStatsSchema,
  },
  'policy.status': {
    summary: 'The active policy version, invariant and workflow counts, and files refused at the last load.',
    req: empty,
    res: policyStatusSchema,
  },
  'policy.reload': {
    summary: 'Reload policy, invariants and workflows from the active verified bundles; a file that fails leaves the previous set active and raises an alert.',
    req: empty,
    res: policyStatusSchema,
  },
  'bundles.report': {
    summary: 'Sealed-state report: the trusted root and every installed bundle version with expiry, signers, last full verification and state.',
    req: empty,
    res: sealedStateReportSchema,
  },
  'bundles.install': {
    summary: 'Verify a bundle (directory or sync server) against the trusted root and install it atomically; progress arrives as bundles.progress events.',
    req: obj(
      {
        source: {
          oneOf: [
            obj({ kind: { const: 'path' }, path: { type: 'string', minLength: 1, maxLength: 4096 } }),
            obj({ kind: { const: 'server' }, name: { type: 'string', pattern: BUNDLE_NAME_PATTERN, maxLength: 80 } }),
          ],
        },
        opId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$' },
      },
      ['source'],
    ),
    res: installResultSchema,
  },
  'bundles.available': {
    summary: 'Bundles the enrolled sync server offers, with the version installed here.',
    req: empty,
    res: obj({
      bundles: {
        type: 'array',
        items: obj({
          name: { type: 'string' },
          version: { anyOf: [{ type: 'null' }, { type: 'string' }] },
          installed: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        }),
      },
    }),
  },
  'bundles.verify': {
    summary: 'Re-hash every file of one installed bundle version (or all) against its signed metadata; a mismatch quarantines it.',
    req: obj({ id: { type: 'integer', minimum: 1 }, opId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$' } }, []),
    res: obj({ results: { type: 'array', items: verifyResultSchema } }),
  },
  'bundles.activate': {
    summary: 'Make an earlier installed, verified version active again (rollback), with a reason.',
    req: obj({ id: { type: 'integer', minimum: 1 }, reason: adminReason, confirm: { const: true } }),
    res: installResultSchema,
  },
  'updates.status': { summary: 'Whether a verified app-update bundle offers a newer version.', req: empty, res: updateStatusSchema },
  'memory.search': {
    summary: 'Hybrid search over tiered memory (vector KNN + full text, fused by reciprocal rank; tier weights, recency, filters).',
    req: memorySearchQuerySchema,
    res: memorySearchResultSchema,
  },
  'memory.get': { summary: 'One memory item.', req: obj({ id: shortText(100) }), res: obj({ item: memoryItemSchema }) },
  'memory.add': { summary: 'Add a memory item (audited); working memory is written by runs only.', req: memoryAddSchema, res: obj({ item: memoryItemSchema }) },
  'memory.pin': {
    summary: 'Pin an item to core memory (always in context; never evicted).',
    req: obj({ id: shortText(100) }),
    res: obj({ item: memoryItemSchema }),
  },
  'memory.delete': {
    summary: 'Delete a memory item, with a reason (audited).',
    req: obj({ id: shortText(100), reason: adminReason, confirm: { const: true } }),
    res: obj({ deleted: { const: true } }),
  },
  'memory.stats': { summary: 'Items, quota and bytes per tier; the embedding in use.', req: empty, res: memoryStatsSchema },
  'models.status': {
    summary: 'Text and embedding model slots: arm, backend, device, VRAM, offloaded layers, tokens/s, fallback reason, load progress.',
    req: empty,
    res: modelStatusSchema,
  },
  'models.reload': { summary: 'Reload models from the active verified model bundles.', req: empty, res: modelStatusSchema },
  'evidence.exportPack': {
    summary:
      'Write the run’s disclosure pack (.tar.gz: signed manifest, receipts, cards, logs, proofs) to the exports folder; PII hashed unless a reviewer/admin asks to include it.',
    req: obj({ runId: shortText(100), includePii: { type: 'boolean' }, opId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$' } }, ['runId']),
    res: obj({
      path: { type: 'string' },
      files: { type: 'integer' },
      bytes: { type: 'integer' },
      manifestSha256: sha256Hex,
      piiIncluded: { type: 'boolean' },
      countersigned: { type: 'boolean' },
    }),
  },
  'evidence.verifyPack': {
    summary: 'Verify a disclosure pack offline (hashes, device signature, receipts, proofs, countersigned root).',
    req: obj({ path: { type: 'string', minLength: 1, maxLength: 4096 } }),
    res: obj({
      ok: { type: 'boolean' },
      runId: { anyOf: [{ type: 'null' }, { type: 'string' }] },
      deviceId: { anyOf: [{ type: 'null' }, { type: 'string' }] },
      files: { type: 'integer' },
      receipts: { type: 'integer' },
      proofs: { type: 'integer' },
      countersigned: { type: 'boolean' },
      failures: { type: 'array', items: obj({ file: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } }) },
      text: { type: 'string' },
    }),
  },
  'inference.abort': {
    summary: 'Abort running generations (all, or one run’s).',
    req: obj({ runId: shortText(100) }, []),
    res: obj({ aborted: { type: 'integer', minimum: 0 } }),
  },
  'artifacts.add': {
    summary:
      "Add an artifact to a run: a file (base64, at most 10 MiB, stored content-addressed) or a URI; flags are derived from the run's artifacts unless given by hand (recorded as manual). Audited.",
    req: addArtifactRequestSchema,
    res: obj({ artifact: artifactViewSchema }),
  },
  'artifacts.list': {
    summary: "A run's artifacts with their flags (value, derived or manual, why).",
    req: runIdRequestSchema,
    res: obj({ artifacts: { type: 'array', items: artifactViewSchema } }),
  },
  'release.gate': {
    summary:
      'Evaluate the release gate of a run (policy params.releaseGate, else: run succeeded and one artifact with all three flags); writes a release.gate decision card. Audited.',
    req: runIdRequestSchema,
    res: releaseGateResultSchema,
  },
  'release.report': {
    summary: 'Compliance report of a run: artifacts with flags and sources, what the gate misses, the last evaluation.',
    req: runIdRequestSchema,
    res: complianceReportSchema,
  },
  'updates.install': {
    summary: 'Download and install the verified update (Electron only; the web host only shows that it exists).',
    req: obj({ confirm: { const: true } }),
    res: updateStatusSchema,
  },
  'team.status': {
    summary: 'Team sync: certificate, tenant key versions held, pull cursor and freshness, a stopped pull, refusals.',
    req: empty,
    res: teamStatusSchema,
  },
  'team.pull': { summary: 'Pull changes now (an admin device also wraps tenant keys for devices that lack them).', req: empty, res: teamStatusSchema },
  'team.skip': {
    summary: 'Skip the item a stopped pull is held at (reason and confirm; audited). Nothing is ever skipped silently.',
    req: obj({ seq: { type: 'integer', minimum: 1 }, reason: shortText(500), confirm: { const: true } }),
    res: teamStatusSchema,
  },
  'team.cards': {
    summary: "Decision cards of every device of the tenant (this device's and pulled ones), newest first, with device and user.",
    req: teamCardQuerySchema,
    res: teamCardPageSchema,
  },
  'team.runs': {
    summary: 'Runs of every device of the tenant, newest first, with device, user and approval state.',
    req: teamRunQuerySchema,
    res: teamRunPageSchema,
  },
  'team.run': {
    summary: 'One run of the tenant (local or pulled) with its cards.',
    req: obj({ device: shortText(64), runId: shortText(64) }),
    res: obj({ run: teamRunViewSchema, cards: { type: 'array', items: teamCardViewSchema } }),
  },
  'team.decide': {
    summary:
      'Approve or reject a run waiting on another device: signed by this device under its certificate, encrypted to the tenant key, queued for sync (reviewer or admin).',
    req: teamDecideRequestSchema,
    res: obj({ approvalId: { type: 'string' }, state: { const: 'queued' } }),
  },
  'team.refusals': {
    summary: 'Approvals, keys and certificates this device refused, newest first.',
    req: obj({ limit: { type: 'integer', minimum: 1, maximum: 500 } }, []),
    res: obj({ items: { type: 'array', items: teamRefusalSchema } }),
  },
  'team.peers': {
    summary: 'Devices of the tenant whose certificates this device knows.',
    req: empty,
    res: obj({ items: { type: 'array', items: teamPeerSchema } }),
  },
  'team.records': {
    summary: 'Captures (records, attachments) other devices of the tenant sent, as pulled; newest first.',
    req: teamRecordQuerySchema,
    res: teamRecordPageSchema,
  },
};

export const eventSchemas: Record<EventName, Schema> = {
  'audit.appended': {
    type: 'object',
    additionalProperties: false,
    required: ['seq', 'hash', 'action'],
    properties: { seq: { type: 'integer' }, hash: sha256Hex, action: { type: 'string' } },
  },
  'audit.verified': verifyResult,
  'sync.status': syncStatus,
  'runs.changed': {
    type: 'object',
    additionalProperties: false,
    required: ['runId', 'status'],
    properties: { runId: { type: 'string' }, status: { enum: [...RUN_STATUSES] } },
  },
  'bundles.progress': bundleProgressSchema,
  'models.status': modelStatusSchema,
  'evidence.pack.progress': obj({
    opId: { type: 'string' },
    phase: { enum: ['collect', 'proofs', 'write', 'done'] },
    done: { type: 'integer', minimum: 0 },
    total: { type: 'integer', minimum: 0 },
  }),
  'memory.changed': obj({ id: { type: 'string' }, change: { enum: ['added', 'deleted', 'pinned', 'compacted', 'evicted'] } }),
  'team.changed': obj({ cursor: { type: 'integer', minimum: 0 }, applied: { type: 'integer', minimum: 0 }, stopped: { type: 'boolean' } }),
  'bundles.changed': obj({ name: { type: 'string' }, change: { enum: ['installed', 'activated', 'quarantined', 'verified'] } }),
  'audit.verify.progress': {
    type: 'object',
    additionalProperties: false,
    required: ['checked', 'total'],
    properties: { checked: { type: 'integer', minimum: 0 }, total: { type: 'integer', minimum: 0 } },
  },
};

export const channelNames = Object.keys(channelSchemas) as ChannelName[];
export const eventNames = Object.keys(eventSchemas) as EventName[];
