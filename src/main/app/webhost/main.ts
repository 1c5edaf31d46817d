// `npm run start:web`: the main-process services in plain Node, the renderer over a loopback,
// token-protected HTTP bridge.
import { resolve } from 'node:path';
import { createServices, startBackground, type Services } from '../services';
import { createJsonLogger } from '../../platform/util/logger';
import { resolveDataDir } from '../../platform/paths';
import { startWebHost, BindRefusedError, type WebHost } from './server';
import { DatabaseError } from '../../platform/db/errors';
import type { AtRestProgress } from '../../platform/db/cipher';
import { AtRestKeyError } from '../../platform/keys/at-rest';
import { openAtRest } from '../at-rest-start';
import { createUnlockGate } from '../unlock-gate';
import { usePrecompiledFirst } from '../precompiled/index';

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

function reportProgress(p: AtRestProgress): void {
  process.stdout.write(`Encrypting the database: ${p.stage} ${p.total ? Math.round((100 * p.done) / p.total) : 100}%\n`);
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const args = parseArgs(argv);
  const logger = createJsonLogger('webhost');
  const dataDir = resolveDataDir(args.dataDir);
  // The build's validators for start-up and the first screen (decision 0042), before anything compiles.
  usePrecompiledFirst();
  // Served at once, locked: when no keychain answers and no MAESTRO_VAULT_PASSPHRASE is set, the page
  // asks for the vault passphrase (./unlock-gate.ts) and the app opens when it is right.
  const gate = createUnlockGate();
  let host: WebHost;
  try {
    host = await startWebHost({
      locked: gate,
      rendererDir: resolve(args.rendererDir ?? 'out/renderer'),
      host: args.host ?? process.env.MAESTRO_WEB_HOST ?? '127.0.0.1',
      allowNonLoopback: args.host !== undefined,
      port: args.port ?? (process.env.MAESTRO_WEB_PORT ? Number(process.env.MAESTRO_WEB_PORT) : 0),
      token: process.env.MAESTRO_WEB_TOKEN || undefined,
    });
  } catch (e) {
    if (e instanceof BindRefusedError) {
      process.stderr.write(`maestro: ${e.code}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const asking: typeof gate.ask = (attempt, vault) => {
    if (attempt === 1)
      process.stdout.write(
        `Maestro is locked (no OS keychain answered): open ${host.launchUrl} and ${vault === 'new' ? 'choose' : 'enter'} the vault passphrase\n`,
      );
    return gate.ask(attempt, vault);
  };
  let services: Services;
  try {
    const { secrets, atRestKey, restore } = await openAtRest(dataDir, asking, process.env, Infinity);
    if (restore?.applied) logger.info('restored a backup', { device: restore.device, manifestSha256: restore.manifestSha256 });
    services = createServices({ dataDir, host: 'web', logger, secrets, atRestKey, onAtRestProgress: reportProgress });
  } catch (e) {
    if (e instanceof DatabaseError || e instanceof AtRestKeyError) {
      gate.failed('UNAVAILABLE', `${e.code}: ${e.message}`, { reason: e.code.toLowerCase() });
      process.stderr.write(`maestro: ${e.code}: ${e.message}\n`);
      await host.close();
      process.exit(2);
    }
    throw e;
  }
  host.open(services);
  gate.opened();
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
}
