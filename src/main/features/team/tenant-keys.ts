// Tenant data keys (team sync): the AES-256 keys every device of a tenant seals shared items under.
// Versions are listed in SQLite (tenant_keys, no key material); the keys live in the secret store
// (OS keychain or passphrase vault) as `tenant-key:<tenant>:v<n>`. The first admin device creates
// version 1; every other version reaches a device wrapped to its X25519 key (docs/security.md).
import { randomBytes } from 'node:crypto';
import { prepared, type Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { SecretStore } from '../../platform/keys/secret-store';

const secretName = (tenant: string, version: number) => `tenant-key:${tenant}:v${version}`;

export class TenantKeys {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly db: Db,
    private readonly store: () => Promise<SecretStore>,
    private readonly clock: Clock,
  ) {}

  versions(tenant: string): number[] {
    return this.db.prepare('SELECT version FROM tenant_keys WHERE tenant = ? ORDER BY version').pluck().all(tenant) as number[];
  }

  currentVersion(tenant: string): number | null {
    return (prepared(this.db, 'SELECT max(version) FROM tenant_keys WHERE tenant = ?').pluck().get(tenant) as number | null) ?? null;
  }

  has(tenant: string, version: number): boolean {
    return this.db.prepare('SELECT 1 FROM tenant_keys WHERE tenant = ? AND version = ?').pluck().get(tenant, version) !== undefined;
  }

  /** The newest version, or null while no tenant key has reached this device. */
  async current(tenant: string): Promise<{ version: number; key: Buffer } | null> {
    const v = this.currentVersion(tenant);
    return v === null ? null : { version: v, key: await this.get(tenant, v) };
  }

  async get(tenant: string, version: number): Promise<Buffer> {
    const name = secretName(tenant, version);
    const cached = this.cache.get(name);
    if (cached) return cached;
    if (!this.has(tenant, version)) throw new Error(`tenant key ${tenant} v${version} is not on this device`);
    const store = await this.store();
    const s = await store.get(name);
    if (!s) throw new Error(`tenant key ${tenant} v${version} is missing from the ${store.kind}`);
    const key = Buffer.from(s, 'base64');
    this.cache.set(name, key);
    return key;
  }

  /** Synchronous read of a key already loaded (get / install / create put it in the cache). */
  cached(tenant: string, version: number): Buffer | undefined {
    return this.cache.get(secretName(tenant, version));
  }

  /** Loads every listed version into the cache (before a pull page is applied synchronously). */
  async loadAll(tenant: string): Promise<void> {
    for (const v of this.versions(tenant)) await this.get(tenant, v);
  }

  /**
   * Stores the key in the secret store (secret first: a crash leaves an unlisted secret, never a
   * listed version without its key). Returns a function that lists it: call it inside the transaction
   * that applies the item that carried it.
   */
  async stash(tenant: string, version: number, key: Buffer): Promise<void> {
    if (key.length !== 32) throw new Error('a tenant key is 32 bytes');
    const store = await this.store();
    await store.set(secretName(tenant, version), key.toString('base64'));
    this.cache.set(secretName(tenant, version), key);
  }

  /** Lists a stashed version (inside the caller's transaction). Idempotent. */
  list(tenant: string, version: number, source: 'created' | 'unwrapped', wrappedBy: string | null): void {
    this.db
      .prepare('INSERT INTO tenant_keys (tenant, version, source, wrapped_by, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(tenant, version) DO NOTHING')
      .run(tenant, version, source, wrappedBy, this.clock.now().toISOString());
  }

  /** A new random key for `version`, stashed but not listed (the server must accept the version first). */
  async generate(tenant: string, version: number): Promise<Buffer> {
    const key = randomBytes(32);
    await this.stash(tenant, version, key);
    return key;
  }
}
