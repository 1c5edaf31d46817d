// Wire schemas for the sync server, as plain JSON-schema objects so they can be compiled by
// ../shared/validation (ajv 2020) and shared with tests/clients without a schema DSL.
import { ERROR_CODES } from '../shared/errors';

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
