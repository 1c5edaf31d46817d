// Repository interface the HTTP layer depends on. Later issues extend it (sync items, receipts,
// devices) so routes never touch SQL and tests can swap in fakes.

export interface StorageHealth {
  ok: boolean;
  /** Raw integrity-check output ("ok", or the problems SQLite reported). */
  detail: string;
  sizeBytes: number;
}

export interface ServerStorage {
  health(): StorageHealth;
  close(): void;
}

export type StorageErrorCode = 'DB_FROM_FUTURE' | 'DB_NOT_SQLITE';

/** Raised when opening would be unsafe; the file is left untouched. */
export class StorageOpenError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageOpenError';
  }
}
