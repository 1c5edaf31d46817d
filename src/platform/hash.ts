// SHA-256 helpers shared by the device and the server. The one-shot crypto.hash avoids the Hash
// object createHash allocates, which matters on hot paths (receipts, idempotency keys, contents).
import { hash } from 'node:crypto';

/** Lower-case hex SHA-256 of bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex');
}

/** The 32-byte SHA-256 digest of bytes, or of a string's UTF-8 encoding. */
export function sha256Bytes(data: Uint8Array | string): Buffer {
  return hash('sha256', data, 'buffer');
}
