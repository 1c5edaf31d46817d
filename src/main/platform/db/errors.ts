export type DbErrorCode =
  | 'DB_FROM_FUTURE'
  | 'DB_CORRUPT'
  | 'DB_OPEN_FAILED'
  | 'DB_MIGRATION_FAILED'
  // Encryption at rest (cipher.ts): an encrypted file and no key, a key that does not open it, an
  // in-place encryption that failed (the plaintext file kept).
  | 'DB_KEY_REQUIRED'
  | 'DB_KEY_WRONG'
  | 'DB_ENCRYPT_FAILED';

/** Raised when the store cannot be used as-is. The file is never reset or overwritten. */
export class DatabaseError extends Error {
  constructor(
    readonly code: DbErrorCode,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}
