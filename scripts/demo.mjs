// npm run demo: a fresh demo data directory with sample data, the sync server (with the demo device
// enrolled and partly synced), and the app on the web host.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, eachLine, isLogLine, root, run, startWebHost } from './lib.mjs';

const DEMO_PASSPHRASE = 'maestro-demo-vault'; // also in scripts/demo-constants.ts
// Development mode for every app process of the demo (seed scripts and both web hosts inherit it):
// the development policy overlay lets the tiny test models run; cards say `+dev` (docs/decisions/0026).
process.env.MAESTRO_DEV_POLICY = '1';
const demoDir = join(root, 'demo-data');
rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true });
build();
// Request logs (one JSON line per request from the sync server and both web hosts) go to a file, not the terminal.
const logPath = join(demoDir, 'requests.log');
const requestLog = createWriteStream(logPath, { flags: 'a' });
/** Route a child's output: JSON log lines to the log file (labelled), anything else to the terminal. */
const route = (label, stream, onOther) => eachLine(stream, (l) => (isLogLine(l) ? requestLog.write(`[${label}] ${l}\n`) : onOther(l)));

const port = process.env.MAESTRO_SERVER_PORT ?? '8787';
const serverEnv = {
  ...process.env,
  MAESTRO_SERVER_DB: join(demoDir, 'server', 'maestro-server.db'),
  MAESTRO_SERVER_PORT: port,
  MAESTRO_SERVER_BUNDLES_DIR: join(demoDir, 'server', 'bundles'),
};
// Signed sample bundles: an app update and a model on the server, a model (and a tampered copy) on a "USB stick".
if (run(process.execPath, ['--import', 'tsx', join(root, 'scripts/demo-bundles.ts'), demoDir]) !== 0) process.exit(1);
// Tiny real models (random weights: output is gibberish by design) as signed bundles in Dana's models folder.
const modelsDir = join(demoDir, 'models');
if (run(process.execPath, ['--import', 'tsx', join(root, 'scripts/models-tiny.ts'), modelsDir]) !== 0) process.exit(1);
const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/server/main.ts')], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: serverEnv,
});
route('sync server', server.stderr, (l) => console.error(`[sync server] ${l}`));
await new Promise((resolve, reject) => {
  route('sync server', server.stdout, (l) => {
    console.log(`[sync server] ${l}`);
    if (/listening on/.test(l)) resolve();
  });
  server.once('exit', (code) => reject(new Error(`sync server exited (${code}); is port ${port} free? Set MAESTRO_SERVER_PORT.`)));
});
const tokenOut = execFileSync(
  process.execPath,
  ['--import', 'tsx', join(root, 'src/server/main.ts'), 'enroll-token', '--tenant', 'demo-field', '--user', 'dana@demo', '--role', 'field'],
  { cwd: root, env: serverEnv, encoding: 'utf8' },
);
const token = /token: (\S+)/.exec(tokenOut)?.[1];
const appDir = join(demoDir, 'app');
if (run(process.execPath, ['--import', 'tsx', join(root, 'scripts/demo-seed.ts'), appDir, `http://127.0.0.1:${port}/`, token ?? '']) !== 0) process.exit(1);

// The admin's laptop: enrolled with an admin token, over a synthetic fleet seeded into the server.
const adminOut = execFileSync(
  process.execPath,
  ['--import', 'tsx', join(root, 'src/server/main.ts'), 'enroll-token', '--tenant', 'demo-field', '--user', 'erin@demo', '--role', 'admin'],
  { cwd: root, env: serverEnv, encoding: 'utf8' },
);
const adminToken = /token: (\S+)/.exec(adminOut)?.[1];
const adminDir = join(demoDir, 'admin');
if (
  run(process.execPath, [
    '--import',
    'tsx',
    join(root, 'scripts/demo-admin-seed.ts'),
    serverEnv.MAESTRO_SERVER_DB,
    adminDir,
    `http://127.0.0.1:${port}/`,
    adminToken ?? '',
  ]) !== 0
)
  process.exit(1);
// Team sync: Erin's laptop creates the tenant key and wraps it for Dana; Dana's RED run waits for Erin.
if (run(process.execPath, ['--import', 'tsx', join(root, 'scripts/demo-team.ts'), adminDir, appDir]) !== 0) process.exit(1);

const vaultEnv = { ...process.env, MAESTRO_KEYSTORE: 'vault', MAESTRO_VAULT_PASSPHRASE: DEMO_PASSPHRASE };
/** A web host: its request logs go to the log file; resolves with its "ready" link (printed at the end). */
const webHost = (label, dir, env = {}) => {
  const child = startWebHost(['--data-dir', dir], { env: { ...vaultEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  route(label, child.stderr, (l) => console.error(`[${label}] ${l}`));
  const ready = new Promise((resolve) =>
    route(label, child.stdout, (l) => {
      const url = /web host ready: (\S+)/.exec(l)?.[1];
      if (url) resolve(url);
      // Its data directory is in the closing lines; anything else is shown as it comes.
      else if (!l.startsWith('Data directory: ')) console.log(`[${label}] ${l}`);
    }),
  );
  return { child, ready };
};
const app = webHost('Dana', appDir, { MAESTRO_MODELS_DIR: modelsDir });
const adminApp = webHost('Erin', adminDir);
const children = [server, app.child, adminApp.child];
const stop = (sig) => children.forEach((c) => c.exitCode === null && c.kill(sig));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(sig));
for (const c of children)
  c.on('exit', (code) => {
    stop('SIGTERM');
    process.exitCode = code ?? 0;
  });

const [danaUrl, erinUrl] = await Promise.all([app.ready, adminApp.ready]);
console.log(`The demo keeps keys in a passphrase vault ("${DEMO_PASSPHRASE}"), unlocked for you.`);
console.log(
  `Backup: Dana's device was backed up to ${join(appDir, 'exports')} (passphrase "maestro-demo-backup"); Settings → Back up this device makes another. To see a move to a new laptop: npm run start:web -- --data-dir /tmp/new-laptop, then First run → Restore from a backup.`,
);
console.log(`Request logs: ${logPath}`);
// The last lines: the links and what to do with each.
console.log('');
console.log('Maestro demo is running. Open:');
console.log(`  Dana, field user:  ${danaUrl}  (data: ${appDir})`);
console.log('     capture a report, run it; her report RPT-2026-103 waits at its RED step for a reviewer.');
console.log(`  Erin, admin:       ${erinUrl}  (data: ${adminDir})`);
console.log('     "Devices (admin)": the board over 5,000 demo devices, worst first.');
console.log('     Decision cards → "All devices": search RPT-2026-103, read the report, approve it, then watch the run finish in Dana\'s Runs view.');
console.log(`  Sync server:       http://127.0.0.1:${port}/healthz (health check; no UI)`);
console.log('Ctrl-C stops all.');
