// npm run demo: a fresh demo data directory with sample data, the sync server, and the app (web host).
import { spawn } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, root, run, startWebHost } from './lib.mjs';

const demoDir = join(root, 'demo-data');
rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true });
build();
if (run(process.execPath, ['--import', 'tsx', join(root, 'scripts/demo-seed.ts'), join(demoDir, 'app')]) !== 0) process.exit(1);

const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/server/main.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, MAESTRO_SERVER_DB: join(demoDir, 'server', 'maestro-server.db') },
});
const app = startWebHost(['--data-dir', join(demoDir, 'app')]);
console.log('Demo: open the "Maestro web host ready" link below. Ctrl-C stops both.');
const children = [server, app];
const stop = (sig) => children.forEach((c) => c.exitCode === null && c.kill(sig));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(sig));
for (const c of children) c.on('exit', (code) => { stop('SIGTERM'); process.exitCode = code ?? 0; });
