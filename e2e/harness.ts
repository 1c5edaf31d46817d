// Starts the real web host (a child process, as `npm run start:web` does) on a temp data dir and
// opens Debian's Chromium through playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.MAESTRO_CHROMIUM ?? '/usr/bin/chromium';

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'maestro-e2e-'));
}

export interface RunningHost {
  url: string;
  launchUrl: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export function startHost(dataDir: string, env: Record<string, string> = {}): Promise<RunningHost> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main/webhost/cli.ts', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, MAESTRO_DATA_DIR: dataDir },
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`web host did not start: ${err}`)), 30000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready: (http:\/\/127\.0\.0\.1:\d+\/)#token=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
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
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}
