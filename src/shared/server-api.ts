// Wire schemas of the sync server's HTTP API, shared by the server, the device's sync client [#3]
// and tests. Plain JSON-schema objects compiled by ./validation (ajv 2020).
import { ERROR_CODES } from './errors';

export type HealthStatus = 'ok' | 'error';

export interface HealthResponse {
  status: HealthStatus;
  version: string;
  uptimeSeconds: number;
  db: { status: HealthStatus; detail: string; sizeBytes: number };
}

export const healthResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'version', 'uptimeSeconds', 'db'],
  properties: {
    status: { enum: ['ok', 'error'] },
    version: { type: 'string', minLength: 1 },
    uptimeSeconds: { type: 'integer', minimum: 0 },
    db: {
      type: 'object',
      additionalProperties: false,
      required: ['status', 'detail', 'sizeBytes'],
      properties: {
        status: { enum: ['ok', 'error'] },
        detail: { type: 'string' },
        sizeBytes: { type: 'integer', minimum: 0 },
      },
    },
  },
} as const;

export const errorResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: {
        code: { enum: [...ERROR_CODES] },
        message: { type: 'string' },
        details: {},
      },
    },
  },
} as const;
