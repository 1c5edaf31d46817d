import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { pooledRandomBytes } from '../util/random';
import { prepared, type Db } from '../db/connection';
import type { Clock } from '../util/clock';
import type { SecretStore } from './secret-store';

export interface Sealed {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
}

export function encryptGcm(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = pooledRandomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { ciphertext, iv, tag: c.getAuthTag() };
}

export function decryptGcm(key: Buffer, s: Sealed, aad: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, s.iv);
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(s.tag);
  return Buffer.concat([d.update(s.ciphertext), d.final()]);
}

const secretName = (tenant: string, version: number) => `data-key:${tenant}:v${version}`;

/**
 * Per-tenant AES-256 data keys. Versions are listed in SQLite (no key material); the keys live in
 * the secret store. Rotation adds a version used for new items; old versions stay to decrypt.
 */
export class DataKeys {
  // Keys are read from the secret store once per process: a vault read is a file parse and an
  // AES open, a keychain read a D-Bus round trip, and sealing asks for the key once per item.
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly db: Db,
    private readonly store: () => Promise<SecretStore>,
    private readonly clock: Clock,
  ) {}

  currentVersion(tenant: string): number | null {
    const v = prepared(this.db, 'SELECT max(version) FROM data_keys WHERE tenant = ?').pluck().get(tenant) as number | null;
    return v ?? null;
  }

  versions(tenant: string): number[] {
    return this.db.prepare('SELECT version FROM data_keys WHERE tenant = ? ORDER BY version').pluck().all(tenant) as number[];
  }

  /** The current key (creating version 1 on first use). */
  async current(tenant: string): Promise<{ version: number; key: Buffer }> {
    const v = this.currentVersion(tenant);
    if (v === null) return this.rotate(tenant);
    return { version: v, key: await this.get(tenant, v) };
  }

  async get(tenant: string, version: number): Promise<Buffer> {
    const name = secretName(tenant, version);
    const cached = this.cache.get(name);
    if (cached) return cached;
    const store = await this.store();
    const s = await store.get(name);
    if (!s) throw new Error(`data key ${tenant} v${version} is missing from the ${store.kind}`);
    const key = Buffer.from(s, 'base64');
    this.cache.set(name, key);
    return key;
  }

  async rotate(tenant: string): Promise<{ version: number; key: Buffer }> {
    const store = await this.store();
    const version = (this.currentVersion(tenant) ?? 0) + 1;
    const key = randomBytes(32);
    // Secret first: a crash between the two leaves an unused secret, never a listed version without its key.
    await store.set(secretName(tenant, version), key.toString('base64'));
    this.db.prepare('INSERT INTO data_keys (tenant, version, created_at) VALUES (?, ?, ?)').run(tenant, version, this.clock.now().toISOString());
    this.cache.set(secretName(tenant, version), key);
    return { version, key };
  }
}
