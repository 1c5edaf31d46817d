import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { msg, type Message } from '../../../shared/messages';
import { LockedError, type SecretStore } from './secret-store';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

/**
 * scrypt parameters (documented in docs/decisions/0004-keys.md): N=2^15, r=8, p=1 → 32 MiB of memory
 * and ~100 ms per unlock on our 2-core machines: costly to brute-force, quick for a person.
 */
export const VAULT_KDF = { name: 'scrypt', N: 32768, r: 8, p: 1, keyLen: 32 } as const;
const CHECK_PLAINTEXT = 'maestro-vault-check-v1';

interface Sealed {
  iv: string;
  tag: string;
  ct: string;
}
interface VaultFile {
  v: 1;
  kdf: typeof VAULT_KDF & { salt: string };
  check: Sealed;
  entries: Record<string, Sealed>;
}

function seal(key: Buffer, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

function open(key: Buffer, s: Sealed, aad: string): string {
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(s.iv, 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(s.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(s.ct, 'base64')), d.final()]).toString('utf8');
}

/** Passphrase vault: a JSON file of AES-256-GCM sealed secrets under a scrypt-derived key. */
export class VaultStore implements SecretStore {
  readonly kind = 'vault' as const;
  private key: Buffer | null = null;
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'vault.json');
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  private read(): VaultFile {
    return JSON.parse(readFileSync(this.path, 'utf8')) as VaultFile;
  }

  private write(v: VaultFile): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(v), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  async unlock(passphrase: string): Promise<void> {
    if (passphrase.length < 8) throw new Error('The vault passphrase must have at least 8 characters');
    if (!this.exists()) {
      const salt = randomBytes(16);
      const key = await scrypt(passphrase, salt, VAULT_KDF.keyLen, { N: VAULT_KDF.N, r: VAULT_KDF.r, p: VAULT_KDF.p, maxmem: 64 * 1024 * 1024 });
      this.write({ v: 1, kdf: { ...VAULT_KDF, salt: salt.toString('base64') }, check: seal(key, CHECK_PLAINTEXT, 'check'), entries: {} });
      this.key = key;
      return;
    }
    const v = this.read();
    const key = await scrypt(passphrase, Buffer.from(v.kdf.salt, 'base64'), v.kdf.keyLen, { N: v.kdf.N, r: v.kdf.r, p: v.kdf.p, maxmem: 64 * 1024 * 1024 });
    try {
      if (open(key, v.check, 'check') !== CHECK_PLAINTEXT) throw new Error('check');
    } catch {
      throw new Error('Wrong vault passphrase');
    }
    this.key = key;
  }

  lock(): void {
    this.key = null;
  }
  isLocked(): boolean {
    return this.key === null;
  }
  private need(): Buffer {
    if (!this.key) throw new LockedError();
    return this.key;
  }
  async get(name: string): Promise<string | null> {
    const key = this.need();
    const e = this.read().entries[name];
    return e ? open(key, e, name) : null;
  }
  async set(name: string, value: string): Promise<void> {
    const key = this.need();
    const v = this.read();
    v.entries[name] = seal(key, value, name);
    this.write(v);
  }
  async delete(name: string): Promise<void> {
    this.need();
    const v = this.read();
    delete v.entries[name];
    this.write(v);
  }
  async list(): Promise<string[]> {
    this.need();
    return Object.keys(this.read().entries);
  }
  /** "No OS keychain on this machine: keys are kept in a passphrase vault (scrypt + AES-256-GCM) in the data directory." */
  describe(): Message {
    return msg('outbox.keys.note.vault');
  }
}
