// String formats of the device ↔ server wire (sync and team sync), as TypeBox schemas.
import { Type } from '@sinclair/typebox';

/** Standard base64, at most `maxLength` characters. */
export const b64 = (maxLength: number) => Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength });
/** A raw 32-byte key (Ed25519 or X25519), base64. */
export const rawKey = Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' });
/** SHA-256, hex. */
export const hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** An RFC 3339 time. */
export const iso = Type.String({ format: 'date-time', maxLength: 40 });
/** AES-GCM: a 12-byte iv and a 16-byte tag, base64. */
export const gcmIv = Type.String({ pattern: '^[A-Za-z0-9+/]{16}$' });
export const gcmTag = Type.String({ pattern: '^[A-Za-z0-9+/]{22}==$' });
/** Ids of tenants, devices, runs, cards, approvals on the wire. */
export const wireId = Type.String({ minLength: 1, maxLength: 64 });
