// `npm run start:web`: the main-process services in plain Node, the renderer over a loopback,
// token-protected HTTP bridge.
import { resolve } from 'node:path';
import { createServices, startBackground } from '../services';
import { prepareDataDir } from '../start';
import { createJsonLogger } from '../../platform/util/logger';
import { resolveDataDir } from '../../platform/paths';
import { startWebHost, BindRefusedError } from './server';
import { DatabaseError } from '../../platform/db/errors';

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

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const args = parseArgs(argv);
  const logger = createJsonLogger('webhost');
  const dataDir = resolveDataDir(args.dataDir);
  let services;
  try {
    const secrets = await prepareDataDir(dataDir, logger);
    services = createServices({ dataDir, host: 'web', logger, ...(secrets ? { secrets } : {}) });
  } catch (e) {
    if (e instanceof DatabaseError) {
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
