// npm test: typecheck, lint, a smoke run of every benchmark, unit/integration (vitest), build, e2e (playwright-core + Chromium).
// Ends with one summary line "tests: N passed, N failed, N skipped" and lists every skip with its reason.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root, run } from './lib.mjs';

// A throwaway PostgreSQL so the sync server's storage suite also runs against it. Without one the
// PostgreSQL tests report themselves skipped, with the reason, in the summary below.
try {
  const out = execFileSync('bash', [join(root, 'scripts/pg-test.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const url = /MAESTRO_TEST_DATABASE_URL=(\S+)/.exec(out)?.[1];
  if (url) process.env.MAESTRO_TEST_DATABASE_URL = url;
} catch (e) {
  console.error(`test-all: PostgreSQL could not be started (${e.message}); its tests will be skipped`);
}

const out = join(root, 'test-results');
mkdirSync(out, { recursive: true });
const npx = (args) => run(process.execPath, [join(root, 'node_modules', args[0], args[1]), ...args.slice(2)]);
const steps = [];
const step = (name, fn) => {
  const t = Date.now();
  console.log(`\n=== ${name}`);
  const code = fn();
  steps.push({ name, ok: code === 0, s: ((Date.now() - t) / 1000).toFixed(1) });
  return code === 0;
};

// The benchmarks' smoke run (issue 20): every bench suite once at a tiny size; bench/run.ts checks its
// own output (bench/smoke-check.ts). It starts now, beside typecheck and lint (each mostly one core),
// and is joined as a step before the unit tests. Sealed resources first, as the unit tests' setup does.
run(process.execPath, ['--import', 'tsx', join(root, 'scripts/seal-resources.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
const smoke = startBenchSmoke(join(out, 'bench-smoke.log'));
step('typecheck', () => run('npm', ['run', '--silent', 'typecheck']));
step('lint', () => run('npm', ['run', '--silent', 'lint']));
// Electronegativity over src/, offline; each finding justified in scripts/electronegativity-allow.json.
step('electron security check', () => run('npm', ['run', '--silent', 'check:electron']));
await smoke.join();
// Under a private D-Bus session with an unlocked gnome-keyring: keytar talks to a real Secret Service.
step('unit + integration', () =>
  run('bash', [
    join(root, 'scripts/with-keyring.sh'),
    process.execPath,
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${join(out, 'unit.json')}`,
  ]),
);
const built = step('build', () => npx(['electron-vite', 'bin/electron-vite.js', 'build']));
if (built) {
  // The year-profile suite (app.) drives the built renderer: in the early smoke run it may skip for
  // want of a build, so it runs once more here, at its tiny size, where a skip or an error fails.
  step('bench smoke: app. (after the build)', () =>
    run(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench/run.ts'), 'app.'], {
      env: { ...process.env, MAESTRO_BENCH_SMOKE: '1', MAESTRO_BENCH_NO_SKIP: 'app.' },
    }),
  );
  step('e2e', () =>
    npx(['vitest', 'vitest.mjs', 'run', '-c', 'vitest.e2e.config.ts', '--reporter=default', '--reporter=json', `--outputFile=${join(out, 'e2e.json')}`]),
  );
}

function startBenchSmoke(log) {
  const t = Date.now();
  const fd = openSync(log, 'w');
  const env = { ...process.env, MAESTRO_BENCH_SMOKE: '1' };
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench/run.ts')], { cwd: root, env, stdio: ['ignore', fd, fd] });
  const exited = new Promise((resolve) => {
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 600_000);
  return {
    join: async () => {
      console.log(`\n=== bench smoke (ran beside the steps above; log: ${relative(root, log)})`);
      const code = await exited;
      clearTimeout(kill);
      closeSync(fd);
      const lines = readFileSync(log, 'utf8').split('\n');
      const summary = lines.filter((l) => /^bench( smoke)?: /.test(l));
      console.log((code === 0 ? summary : [...lines.slice(-80), ...summary]).join('\n'));
      steps.push({ name: 'bench smoke', ok: code === 0, s: ((Date.now() - t) / 1000).toFixed(1) });
    },
  };
}

let passed = 0,
  failed = 0,
  skipped = 0;
const skips = [];
const failures = [];
for (const f of ['unit.json', 'e2e.json']) {
  const p = join(out, f);
  if (!existsSync(p)) continue;
  const r = JSON.parse(readFileSync(p, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const file of r.testResults) {
    if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed'))
      failures.push(
        `${relative(root, file.name)}: ${String(file.message ?? '')
          .split('\n')[0]
          .slice(0, 300)}`,
      );
    for (const a of file.assertionResults) {
      if (a.status === 'failed')
        failures.push(`${relative(root, file.name)} > ${a.fullName}: ${(a.failureMessages ?? []).join(' ').split('\n')[0].slice(0, 300)}`);
      if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo') skips.push(`${a.fullName}: ${a.meta?.skipReason ?? 'no reason given'}`);
    }
  }
}
console.log('\n=== summary');
for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.s}s)`);
for (const s of skips) console.log(`skipped: ${s}`);
// Failed tests last, so a CI log cut to its tail still names them.
for (const f of failures) console.log(`failed: ${f}`);
const stepFailures = steps.filter((s) => !s.ok).length;
if (stepFailures) console.log(`${stepFailures} step(s) failed`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(stepFailures || failed ? 1 : 0);
