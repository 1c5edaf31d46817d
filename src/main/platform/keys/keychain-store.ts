import { createHash } from 'node:crypto';
import { msg, type Message } from '../../../shared/messages';
import type { SecretStore } from './secret-store';

type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<{ account: string; password: string }[]>;
};

const SERVICE = 'Maestro';

/** OS keychain through keytar. Accounts are scoped by data directory so two profiles never collide. */
export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  private readonly scope: string;

  constructor(
    private readonly keytar: Keytar,
    dataDir: string,
  ) {
    this.scope = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  }

  static async open(dataDir: string, timeoutMs = 3000): Promise<KeychainStore | null> {
    let keytar: Keytar;
    try {
      const mod = (await import('keytar')) as unknown as { default?: Keytar } & Keytar;
      keytar = mod.default ?? mod;
    } catch {
      return null;
    }
    const store = new KeychainStore(keytar, dataDir);
    // Probe: a Secret Service may be absent (headless server) or hang; both mean "no keychain".
    const probe = (async () => {
      await store.set('probe', 'ok');
      const v = await store.get('probe');
      await store.delete('probe');
      return v === 'ok';
    })();
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref());
    try {
      return (await Promise.race([probe, timeout])) ? store : null;
    } catch {
      return null;
    }
  }

  private account(name: string): string {
    return `${this.scope}:${name}`;
  }
  isLocked(): boolean {
    return false;
  }
  get(name: string): Promise<string | null> {
    return this.keytar.getPassword(SERVICE, this.account(name));
  }
  async set(name: string, value: string): Promise<void> {
    await this.keytar.setPassword(SERVICE, this.account(name), value);
  }
  async delete(name: string): Promise<void> {
    await this.keytar.deletePassword(SERVICE, this.account(name));
  }
  async list(): Promise<string[]> {
    const prefix = `${this.scope}:`;
    return (await this.keytar.findCredentials(SERVICE))
      .filter((c) => c.account.startsWith(prefix) && c.account !== `${prefix}probe`)
      .map((c) => c.account.slice(prefix.length));
  }
  async unlock(): Promise<void> {}
  /** "Keys are kept in the operating system keychain." */
  describe(): Message {
    return msg('outbox.keys.note.keychain');
  }
}
