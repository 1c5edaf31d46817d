// A real sync-server process on loopback for integration and e2e tests.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface ServerProc {
  url: string;
  port: number;
  dbPath: string;
  proc: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function serverEnv(dir: string, port: number): NodeJS.ProcessEnv {
  return { ...process.env, MAESTRO_SERVER_DB: join(dir, 'server.db'), MAESTRO_SERVER_PORT: String(port), MAESTRO_SERVER_HOST: '127.0.0.1', DATABASE_URL: '' };
}

export function startServer(dir: string, port: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<ServerProc> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: { ...serverEnv(dir, port), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000);
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (/listening on http/.test(out)) {
        clearTimeout(timer);
        // A server that dies while a test still uses it says why in the test log (its stderr tail).
        let stopping = false;
        proc.once('exit', (code, signal) => {
          if (!stopping) process.stderr.write(`sync server on port ${port} exited unexpectedly (${code ?? signal}): ${err}\n`);
        });
        resolve({
          url: `http://127.0.0.1:${port}/`,
          port,
          dbPath: join(dir, 'server.db'),
          proc,
          stop: (signal = 'SIGTERM') =>
            new Promise<void>((res) => {
              stopping = true;
              if (proc.exitCode !== null || proc.signalCode !== null) return res();
              proc.once('exit', () => res());
              proc.kill(signal);
            }),
        });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${err}`));
    });
  });
}

/** `npm run server -- enroll-token …` against the same database. */
export function enrollToken(dir: string, port: number, tenant: string, user: string, role = 'field', extraEnv: NodeJS.ProcessEnv = {}): string {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', 'enroll-token', '--tenant', tenant, '--user', user, '--role', role], {
    env: { ...serverEnv(dir, port), ...extraEnv },
    encoding: 'utf8',
  });
  const m = /token: (\S+)/.exec(out);
  if (!m) throw new Error(`no token in: ${out}`);
  return m[1]!;
}
