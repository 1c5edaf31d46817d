// `npm run start:web`: the main-process services in plain Node, the renderer over a loopback,
// token-protected HTTP bridge.
import { resolve } from 'node:path';
import { createServices, startBackground } from '../services';
import { createJsonLogger } from '../../platform/util/logger';
import { resolveDataDir } from '../../platform/paths';
import { startWebHost, BindRefusedError } from './server';
import { createInterface } from 'node:readline/promises';
import { DatabaseError } from '../../platform/db/errors';
import type { AtRestProgress } from '../../platform/db/cipher';
import { AtRestKeyError } from '../../platform/keys/at-rest';
import { openAtRest } from '../at-rest-start';

interface Args {
  host?: string;
  port?: number;
  dataDir?: string;
  rendererDir?: string;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (v === undefined) continue;
    if (k === '--host') a.host = v;
    else if (k === '--port') a.port = Number(v);
    else if (k === '--data-dir') a.dataDir = v;
    else if (k === '--renderer-dir') a.rendererDir = v;
    else continue;
    i++;
  }
  return a;
}

/** The vault passphrase, read from the terminal (not echoed). */
async function askOnTerminal(attempt: number): Promise<string | null> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void };
  const prompt = `${attempt > 1 ? 'Wrong passphrase. ' : ''}Vault passphrase (unlocks the encrypted database): `;
  // Only the prompt itself is written: typed characters (and line refreshes that repeat them) are not.
  out._writeToOutput = (s: string) => void (s === prompt ? process.stdout.write(s) : undefined);
  const answer = await rl.question(prompt);
  rl.close();
  process.stdout.write('\n');
  return answer.length ? answer : null;
}

function reportProgress(p: AtRestProgress): void {
  process.stdout.write(`Encrypting the database: ${p.stage} ${p.total ? Math.round((100 * p.done) / p.total) : 100}%\n`);
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const args = parseArgs(argv);
  const logger = createJsonLogger('webhost');
  const dataDir = resolveDataDir(args.dataDir);
  let services;
  try {
    const { secrets, atRestKey, restore } = await openAtRest(dataDir, process.stdin.isTTY ? askOnTerminal : undefined);
    if (restore?.applied) logger.info('restored a backup', { device: restore.device, manifestSha256: restore.manifestSha256 });
    services = createServices({ dataDir, host: 'web', logger, secrets, atRestKey, onAtRestProgress: reportProgress });
  } catch (e) {
    if (e instanceof DatabaseError || e instanceof AtRestKeyError) {
      process.stderr.write(`maestro: ${e.code}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  try {
    const host = await startWebHost({
      services,
      rendererDir: resolve(args.rendererDir ?? 'out/renderer'),
      host: args.host ?? process.env.MAESTRO_WEB_HOST ?? '127.0.0.1',
      allowNonLoopback: args.host !== undefined,
      port: args.port ?? (process.env.MAESTRO_WEB_PORT ? Number(process.env.MAESTRO_WEB_PORT) : 0),
      token: process.env.MAESTRO_WEB_TOKEN || undefined,
    });
    // Probe the sync server and send what is due, in the background, for as long as the host runs.
    startBackground(services);
    process.stdout.write(`Maestro web host ready: ${host.launchUrl}\n`);
    process.stdout.write(`Data directory: ${dataDir}\n`);
    const stop = () => {
      void host.close().then(() => {
        services.close();
        process.exit(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (e) {
    services.close();
    if (e instanceof BindRefusedError) {
      process.stderr.write(`maestro: ${e.code}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}
