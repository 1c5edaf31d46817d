// Starts the real web host (a child process, as `npm run start:web` does) on a temp data dir and
// opens Debian's Chromium through playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startServer as startServerProc, type ServerProc } from '../test/integration/server-process';
import Database from 'better-sqlite3';
import { VaultStore } from '../src/main/platform/keys/index';
import { loadAtRestKey } from '../src/main/platform/keys/at-rest';
import { applyKey } from '../src/main/platform/db/cipher';

export const CHROMIUM = process.env.MAESTRO_CHROMIUM ?? '/usr/bin/chromium';
/** The built web host (electron-vite's main build, entry `webhost`), what `npm run start:web` runs. */
export const WEBHOST_ENTRY = join(process.cwd(), 'out', 'main', 'webhost.js');

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'maestro-e2e-'));
}

export interface RunningHost {
  url: string;
  /** The host's data directory (its database and installed bundles). */
  dataDir: string;
  launchUrl: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** `until: 'locked'`: resolve when the host serves the unlock screen (a vault with no passphrase given). */
export function startHost(dataDir: string, env: Record<string, string> = {}, opts: { until?: 'ready' | 'locked' } = {}): Promise<RunningHost> {
  // As `npm run start:web` starts it: the built host (run `npx electron-vite build` first, the renderer needs it too).
  const proc = spawn(process.execPath, [WEBHOST_ENTRY, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MAESTRO_DEV_POLICY: '', ...env, MAESTRO_DATA_DIR: dataDir },
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`web host did not start: ${err}`)), 30000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = (opts.until === 'locked' ? /locked .*open (http:\/\/127\.0\.0\.1:\d+\/)#token=(\S+)/ : /ready: (http:\/\/127\.0\.0\.1:\d+\/)#token=(\S+)/).exec(
        out,
      );
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          dataDir,
          launchUrl: `${m[1]!}#token=${m[2]!}`,
          proc,
          stop: () =>
            new Promise<void>((res) => {
              if (proc.exitCode !== null) return res();
              proc.once('exit', () => res());
              proc.kill('SIGTERM');
            }),
        });
      }
    });
    proc.once('exit', (code) => reject(new Error(`web host exited ${code}: ${err}`)));
  });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // English UI whatever the test machine's language (e2e/i18n.e2e.ts sets its own per context).
    args: [
      '--no-sandbox',
      '--headless',
      '--lang=en-US',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** First run: create the local profile. Returns the main navigation. */
export async function createProfile(page: Page, name: string, tenant: string): Promise<Locator> {
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Tenant (organisation id)').fill(tenant);
  await page.getByRole('button', { name: 'Create profile' }).click();
  return page.getByRole('navigation', { name: 'Main' });
}

/** Outbox → Enrollment with a one-time token; resolves once the enrollment card names `user`. */
export async function enrollInUi(page: Page, nav: Locator, serverUrl: string, token: string, user: string): Promise<void> {
  await nav.getByRole('button', { name: 'Outbox' }).click();
  await page.getByLabel('Server URL').fill(serverUrl);
  await page.getByLabel('One-time token').fill(token);
  await page.getByRole('button', { name: 'Enroll' }).click();
  await expect.poll(() => page.getByRole('article', { name: 'Enrollment' }).textContent(), { timeout: 15000 }).toContain(user);
}

/** The vault keeps e2e runs independent of any OS keychain on the test machine. */
export const VAULT_ENV = { MAESTRO_KEYSTORE: 'vault', MAESTRO_VAULT_PASSPHRASE: 'testpass123' };

/**
 * Development mode, for a host that runs the random-weight test models: the development policy
 * overlay (resources/policy-dev) allows them, and every decision says `+dev`. Hosts started without
 * it run the shipped policy (four eyes on, no test model), as a user's app does.
 */
export const DEV_POLICY_ENV = { MAESTRO_DEV_POLICY: '1' };

export interface HostSuite {
  /** Chromium, launched before the suite. */
  readonly browser: Browser;
  /** The web host (vault keystore, fresh data dir), started before the suite. */
  readonly host: RunningHost;
  /** A sync-server process on `dir` and `port`; every one started here is stopped after the suite. */
  startServer(dir: string, port: number): Promise<ServerProc>;
}

export interface HostSuiteOptions {
  /** Extra environment for the web host, computed in beforeAll just before it starts (e.g. a folder written first). */
  env?: () => Record<string, string> | Promise<Record<string, string>>;
}

/** Registers the suite's beforeAll / afterAll: browser, web host, and the servers it starts. */
export function hostSuite(opts: HostSuiteOptions = {}): HostSuite {
  let browser: Browser | undefined;
  let host: RunningHost | undefined;
  const servers: ServerProc[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
    host = await startHost(newDataDir(), { ...VAULT_ENV, ...(await opts.env?.()) });
  });
  afterAll(async () => {
    await host?.stop();
    // stop() is a no-op for a process that already exited.
    await Promise.all(servers.map((sv) => sv.stop()));
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('hostSuite: browser used before beforeAll');
      return browser;
    },
    get host() {
      if (!host) throw new Error('hostSuite: host used before beforeAll');
      return host;
    },
    async startServer(dir, port) {
      const sv = await startServerProc(dir, port);
      servers.push(sv);
      return sv;
    },
  };
}

/**
 * A web host's database opened behind its back (a test reading what was stored, or tampering): the
 * database is encrypted at rest under the key in the host's vault (hosts here run with VAULT_ENV).
 */
export async function openHostDb(dataDir: string, opts: { readonly?: boolean } = {}): Promise<Database.Database> {
  const vault = new VaultStore(dataDir);
  await vault.unlock(VAULT_ENV.MAESTRO_VAULT_PASSPHRASE);
  const db = new Database(join(dataDir, 'maestro.db'), { readonly: opts.readonly ?? false, fileMustExist: true });
  applyKey(db, await loadAtRestKey(vault));
  return db;
}
