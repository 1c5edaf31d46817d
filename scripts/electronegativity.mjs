#!/usr/bin/env node
// npm run check:electron: @doyensec/electronegativity over src/ (main, preload, renderer), offline.
// Every finding must be justified in scripts/electronegativity-allow.json (check id + file + why);
// an unjustified finding fails the run, a justification that no longer matches anything is reported
// so it can be removed.
//
// Offline: the tool fetches translations and Electron's release list at start; scripts/no-network.mjs
// refuses those sockets (it falls back to its bundled English texts). AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK
// needs that release list, so it is excluded: Electron's version is pinned in package.json and
// updated through npm, which is where its security fixes arrive.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './lib.mjs';

// Its own install (tools/electronegativity): its CLI needs commander 5, an undeclared dependency
// that the app's tree resolves to commander 14. Installed from its lock file on first use.
const tool = join(root, 'tools/electronegativity');
const cli = join(tool, 'node_modules/@doyensec/electronegativity/dist/index.js');
if (!existsSync(cli)) {
  const npm = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: tool, stdio: 'inherit' });
  if (npm.status !== 0) process.exit(npm.status ?? 2);
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const electron = (pkg.devDependencies?.electron ?? pkg.dependencies?.electron ?? '').replace(/^[^\d]*/, '');
const dir = mkdtempSync(join(tmpdir(), 'maestro-eneg-'));
const out = join(dir, 'findings.sarif');
const r = spawnSync(
  process.execPath,
  [
    '--import',
    pathToFileURL(join(root, 'scripts/no-network.mjs')).href,
    cli,
    ...['-i', join(root, 'src'), '-e', electron, '-r', '-v', 'false', '-x', 'availablesecurityfixesglobalcheck', '-o', out],
  ],
  { encoding: 'utf8', env: { ...process.env, LANG: 'en-US' } },
);
let results;
try {
  results = JSON.parse(readFileSync(out, 'utf8')).runs[0].results;
} catch (e) {
  console.error(r.stdout, r.stderr);
  console.error(`electronegativity did not write its findings: ${e.message}`);
  process.exit(2);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const allow = JSON.parse(readFileSync(join(root, 'scripts/electronegativity-allow.json'), 'utf8')).findings;
const fileOf = (res) => res.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? 'N/A';
const used = new Set();
const open = [];
for (const res of results) {
  const file = fileOf(res);
  const i = allow.findIndex((a) => a.check === res.ruleId && (a.file === file || a.file === '*'));
  if (i >= 0) used.add(i);
  else open.push(`${res.ruleId} ${file}: ${res.message?.text ?? ''}`);
}
console.log(
  `electronegativity (Electron ${electron}): ${results.length} finding(s), ${results.length - open.length} justified in scripts/electronegativity-allow.json`,
);
allow.forEach((a, i) => {
  if (!used.has(i)) console.log(`  stale justification (nothing matches it now): ${a.check} ${a.file}`);
});
for (const o of open) console.log(`  UNJUSTIFIED ${o}`);
process.exit(open.length ? 1 : 0);
