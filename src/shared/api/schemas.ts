// JSON Schema (draft 2020-12) for every channel's request and response and every push event.
// Plain data: the main process and the server compile them with ajv; the renderer never needs to.
import type { ChannelName, EventName } from './types';

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
};

export const eventSchemas: Record<EventName, Schema> = {
  'audit.appended': {
    type: 'object',
    additionalProperties: false,
    required: ['seq', 'hash', 'action'],
    properties: { seq: { type: 'integer' }, hash: sha256Hex, action: { type: 'string' } },
  },
  'audit.verified': verifyResult,
  'audit.verify.progress': {
    type: 'object',
    additionalProperties: false,
    required: ['checked', 'total'],
    properties: { checked: { type: 'integer', minimum: 0 }, total: { type: 'integer', minimum: 0 } },
  },
};

export const channelNames = Object.keys(channelSchemas) as ChannelName[];
export const eventNames = Object.keys(eventSchemas) as EventName[];
