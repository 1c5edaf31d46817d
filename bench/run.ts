// npm run bench [-- PREFIX] [--compare SAVED [SAVED SAVED]] [--noise PCT]: one JSON line per figure on
// stdout, each with its reference measured in the same run. Every selected suite runs even when one
// fails: a failed suite prints {"name": PREFIX, "error": ...} and the run exits 1 at the end.
// --compare: after the run, a table of each figure beside the saved run(s) on stderr (bench/compare.ts).
// MAESTRO_BENCH_SMOKE=1: every suite at a tiny size (bench/figure.ts; npm test runs it, bench/smoke.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sealResources } from '../src/main/features/bundles/seal';
import { compareRuns, DEFAULT_NOISE_PCT, formatComparison, parseRun } from './compare';
import { SMOKE } from './figure';
import { prefixesOf, runSuites, selected } from './runner';
import { smokeProblems } from './smoke-check';
import { SUITES } from './suites';

interface Args {
  filter: string;
  compare: string[];
  noisePct: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { filter: '', compare: [], noisePct: DEFAULT_NOISE_PCT };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--compare') {
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) a.compare.push(argv[++i]!);
      if (a.compare.length === 0) throw new Error('--compare needs one saved run, or three');
    } else if (x === '--noise') {
      a.noisePct = Number(argv[++i]);
      if (!(a.noisePct >= 0)) throw new Error('--noise needs a percentage (a number >= 0)');
    } else if (x.startsWith('--')) throw new Error(`unknown option ${x}`);
    else if (a.filter) throw new Error(`one prefix only (got ${a.filter} and ${x})`);
    else a.filter = x;
  }
  return a;
}

let args: Args;
let saved: Map<string, number>[];
try {
  args = parseArgs(process.argv.slice(2));
  // Read first: a missing file should not cost a whole run.
  saved = args.compare.map((f) => parseRun(readFileSync(f, 'utf8')));
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\nusage: npm run bench -- [PREFIX] [--compare SAVED [SAVED SAVED]] [--noise PCT]\n`);
  process.exit(2);
}

// Errors thrown outside a suite's own promise (a timer, a forgotten rejection) fail that suite, not the run.
const stray: unknown[] = [];
process.on('unhandledRejection', (err) => void stray.push(err));
process.on('uncaughtException', (err) => void stray.push(err));

// Suites start the app's services, which read the sealed resources (shipped and development policy,
// contracts, workflows) as `npm start` and the tests do: seal them first (a no-op when current), so a
// fresh checkout's `npm run bench` does not fail the suites that capture records.
const resourcesDir = fileURLToPath(new URL('../resources', import.meta.url));
await sealResources({ resourcesDir, outDir: join(resourcesDir, 'bundles'), devOutDir: join(resourcesDir, 'bundles-dev') });

const now = new Map<string, number>();
const printed: string[] = [];
const results = await runSuites(SUITES, {
  filter: args.filter,
  out: (line) => {
    if (typeof line.value === 'number' && Number.isFinite(line.value) && typeof line.name === 'string') now.set(line.name, line.value);
    printed.push(JSON.stringify(line));
    process.stdout.write(`${printed.at(-1)}\n`);
  },
  log: (m) => void process.stderr.write(`${m}\n`),
  stray: { take: () => stray.splice(0) },
  // At a tiny size every suite takes seconds: one that hangs must not hold up npm test.
  timeoutMs: SMOKE ? 120_000 : undefined,
});
if (saved.length) {
  const ran = SUITES.filter((s) => selected(s, args.filter)).flatMap(prefixesOf);
  const missing = [...new Set(saved.flatMap((r) => [...r.keys()]))].filter((n) => !now.has(n) && ran.some((p) => n.startsWith(p)));
  process.stderr.write(`\n${formatComparison(compareRuns(now, saved, args.noisePct), saved.length, missing)}\n`);
}
const failed = results.filter((r) => r.error !== null);
if (results.length === 0) process.stderr.write(`bench: no suite matches ${args.filter}\n`);
if (failed.length) process.stderr.write(`bench: ${failed.length} of ${results.length} suite(s) failed: ${failed.map((r) => r.prefix).join(', ')}\n`);
// The smoke run also holds the output itself to what npm test demands (bench/smoke-check.ts).
const problems = SMOKE
  ? smokeProblems(
      printed.join('\n'),
      SUITES.filter((s) => selected(s, args.filter)),
      process.env,
    )
  : [];
for (const p of problems) process.stderr.write(`bench smoke: ${p}\n`);
if (SMOKE) process.stderr.write(`bench smoke: ${problems.length ? 'FAILED' : 'ok'}, ${results.length} suite(s)\n`);
// Exit now: a failed suite may have left a server or a timer behind.
process.exit(failed.length || problems.length || results.length === 0 ? 1 : 0);
