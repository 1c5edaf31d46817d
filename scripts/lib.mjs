// Helpers shared by the npm scripts (plain Node, no dependencies).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status ?? 1;
}

/** Seal the built-in resources (policy, workflows, contracts) into signed bundles; a no-op when current. */
export function seal() {
  const status = run(process.execPath, ['--import', 'tsx', join(root, 'scripts/seal-resources.ts')]);
  if (status !== 0) {
    console.error('maestro: sealing the built-in bundles failed');
    process.exit(status);
  }
}

export function build() {
  seal();
  const status = run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']);
  if (status !== 0) {
    console.error('maestro: build failed');
    process.exit(status);
  }
}

/** Path of the Electron binary if it is present or can be fetched now, else null (never throws). */
export function electronBinary() {
  const require = createRequire(join(root, 'package.json'));
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = join(pkgDir, 'path.txt');
  const present = () => existsSync(pathFile) && existsSync(join(pkgDir, 'dist', readFileSync(pathFile, 'utf8')));
  if (present()) return join(pkgDir, 'dist', readFileSync(pathFile, 'utf8'));
  // electron 45+ fetches its binary lazily; try once, quietly, with a time limit.
  spawnSync(process.execPath, [join(pkgDir, 'install.js')], { stdio: 'ignore', timeout: 120_000 });
  return present() ? join(pkgDir, 'dist', readFileSync(pathFile, 'utf8')) : null;
}

/** The built web host (electron-vite's main build, entry `webhost`); `npm run build` writes it. */
export const WEBHOST_ENTRY = join(root, 'out/main/webhost.js');

/**
 * How the web host is started: the built JavaScript (`node out/main/webhost.js`), which starts in a
 * fraction of the time tsx needs to compile the services on every launch. Without a build (a
 * developer running a script straight from the sources), tsx runs the TypeScript entry instead.
 */
export function webHostCommand() {
  return existsSync(WEBHOST_ENTRY) ? [WEBHOST_ENTRY] : ['--import', 'tsx', join(root, 'src/main/app/webhost/cli.ts')];
}

/** Start the web host (see webHostCommand). Resolves with the child. */
export function startWebHost(args = [], opts = {}) {
  return spawn(process.execPath, [...webHostCommand(), ...args], {
    cwd: root,
    stdio: 'inherit',
    ...opts,
  });
}

/** Call onLine for each complete line of a child's output stream. */
export function eachLine(stream, onLine) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (c) => {
    buf += c;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const l of lines) onLine(l);
  });
  stream.on('end', () => buf && onLine(buf));
}

/** A request/access-log line (the servers log one JSON object per line); these go to the demo's log file. */
export const isLogLine = (line) => line.trimStart().startsWith('{');
