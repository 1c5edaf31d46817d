// npm run demo: a fresh demo data directory with sample data, the sync server (with the demo device
// enrolled and partly synced), and the app on the web host.
import { execFileSync, spawn } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, root, run, startWebHost } from './lib.mjs';

const DEMO_PASSPHRASE = 'maestro-demo-vault'; // also in scripts/demo-constants.ts
const demoDir = join(root, 'demo-data');
rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true });
build();

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
  stdio: ['ignore', 'pipe', 'inherit'],
  env: serverEnv,
});
await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (c) => {
    process.stdout.write(c);
    out += c;
    if (/listening on/.test(out)) resolve();
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
/** A web host whose output lines carry a label, so the two "ready" links are told apart. */
const labelled = (label, dir, env = {}) => {
  const child = startWebHost(['--data-dir', dir], { env: { ...vaultEnv, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  child.stdout.on('data', (c) => {
    buf += c;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const l of lines) console.log(`[${label}] ${l}`);
  });
  return child;
};
const app = labelled('field user Dana', appDir, { MAESTRO_MODELS_DIR: modelsDir });
const adminApp = labelled('admin Erin: open "Devices (admin)"', adminDir);
console.log(
  `Demo: open the two "Maestro web host ready" links: Dana (field user) and Erin (admin board over 5,000 demo devices). Sync server: http://127.0.0.1:${port}/healthz. Ctrl-C stops all.`,
);
console.log(
  "Team sync: in Erin's app, Decision cards → \"All devices\" shows Dana's report RPT-2026-103 waiting at its RED step; approve it there and watch the run finish in Dana's Runs view.",
);
console.log(`The demo keeps keys in a passphrase vault ("${DEMO_PASSPHRASE}"), unlocked for you.`);
console.log(
  `Backup: Dana's device was backed up to ${join(appDir, 'exports')} (passphrase "maestro-demo-backup"); Settings → Back up this device makes another. To see a move to a new laptop: npm run start:web -- --data-dir /tmp/new-laptop, then First run → Restore from a backup.`,
);
const children = [server, app, adminApp];
const stop = (sig) => children.forEach((c) => c.exitCode === null && c.kill(sig));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(sig));
for (const c of children)
  c.on('exit', (code) => {
    stop('SIGTERM');
    process.exitCode = code ?? 0;
  });
