/** Stable error codes carried over every transport (IPC, web host, sync server). */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'NOT_FOUND',
  'FORBIDDEN',
  'CONFLICT',
  'INTERNAL',
  'UNAUTHORIZED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'BUNDLE_REFUSED',
  'BACKUP_REFUSED',
  'QUOTA_EXCEEDED',
  'LOCKED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status for each code, used by the web host and the sync server alike. */
export const HTTP_STATUS_BY_CODE = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  /** A sealed bundle failed verification; `details.refusal` names the attack (shared/bundles). */
  BUNDLE_REFUSED: 422,
  /** A backup file could not be restored; `details.reason` says why (wrong_passphrase, tampered, truncated, …). */
  BACKUP_REFUSED: 422,
  /** The tenant's attachment storage quota on the sync server would be exceeded. */
  QUOTA_EXCEEDED: 413,
  /** The app started with its key store locked: only `system.unlock` answers; `details.vault` is 'new' or 'existing'. */
  LOCKED: 423,
} as const satisfies Record<ErrorCode, number>;

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toJSON(): ApiErrorBody {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export function isApiErrorBody(v: unknown): v is ApiErrorBody {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ApiErrorBody).code === 'string' &&
    (ERROR_CODES as readonly string[]).includes((v as ApiErrorBody).code) &&
    typeof (v as ApiErrorBody).message === 'string'
  );
}

/** Result envelope used by both transports so the renderer sees one shape. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiErrorBody };
