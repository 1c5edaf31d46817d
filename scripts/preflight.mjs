// Checks what a fresh machine needs before `npm start`, `npm run demo` and `npm run test:all`, and says
// in one line per item what is missing (exit 1), instead of a long node-gyp or engine error later.
//   - Node: the version package.json's "engines" asks for.
//   - A C/C++ toolchain (cc, c++, make, python3): better-sqlite3 (SQLCipher build) compiles from source
//     with node-gyp. Checked only while its native module is not built yet.
// Test overrides: PREFLIGHT_NODE_VERSION (pretend Node version), PREFLIGHT_NATIVE_BUILT=0|1 (pretend the
// native module is missing / built); PATH is read as given.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const TOOLS = [
  { bin: 'cc', what: 'a C compiler', pkg: 'build-essential' },
  { bin: 'c++', what: 'a C++ compiler', pkg: 'build-essential' },
  { bin: 'make', what: 'make', pkg: 'build-essential' },
  { bin: 'python3', what: 'Python 3 (node-gyp runs it)', pkg: 'python3' },
];
const NATIVE = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

/** [major, minor, patch] of "v20.19.0" / "20.19.0". */
const parse = (v) =>
  v
    .replace(/^v/, '')
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);
/** True when version satisfies a ">=X.Y.Z" range (the form package.json uses). */
function satisfies(version, range) {
  const min = /^>=\s*(\S+)$/.exec(range.trim())?.[1];
  if (!min) return true;
  const [a, b] = [parse(version), parse(min)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

const onPath = (bin, path) => path.split(delimiter).some((d) => d && existsSync(join(d, bin)));

/** The missing prerequisites, one message each (empty when all is there). */
function missing(env = process.env) {
  const out = [];
  const want = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '>=20';
  const have = env.PREFLIGHT_NODE_VERSION ?? process.versions.node;
  if (!satisfies(have, want)) out.push(`Node ${want} is needed (this is ${have}): install it, e.g. with nvm or from nodejs.org.`);
  const built = env.PREFLIGHT_NATIVE_BUILT ? env.PREFLIGHT_NATIVE_BUILT === '1' : existsSync(NATIVE);
  if (!built)
    for (const t of TOOLS)
      if (!onPath(t.bin, env.PATH ?? ''))
        out.push(`${t.what} ("${t.bin}") is needed to build better-sqlite3 from source: on Debian/Ubuntu, sudo apt-get install ${t.pkg}.`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const problems = missing();
  for (const p of problems) console.error(`maestro preflight: ${p}`);
  if (problems.length) {
    console.error('maestro preflight: see "Before you start" in README.md, then npm ci.');
    process.exit(1);
  }
}
