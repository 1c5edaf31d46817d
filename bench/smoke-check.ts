// What the smoke run (bench/smoke.test.ts) demands of `npm run bench`'s stdout: every line a JSON
// figure with a finite value; no error line; a skip only where a dependency is absent (PostgreSQL
// without MAESTRO_TEST_DATABASE_URL, or HAProxy) and only in a suite that needs one; every suite at
// least one figure; every figure's name under some suite's prefix. Pure: returns the problems found.
import { prefixesOf, type Suite } from './runner';

/**
 * Suites allowed to skip, and the dependencies whose absence excuses them. app. (bench/year.bench.ts)
 * drives the built renderer in Chromium: absent before the first build.
 */
const MAY_SKIP: Record<string, readonly string[]> = { 'sync.cluster.': ['postgresql', 'haproxy'], 'app.': ['renderer build', 'chromium'] };

export function smokeProblems(stdout: string, suites: readonly Pick<Suite, 'prefix' | 'also'>[], env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const counts = new Map(suites.map((s) => [s.prefix, 0]));
  const owner = (name: string) => suites.find((s) => prefixesOf(s).some((p) => name.startsWith(p)));
  for (const [i, raw] of stdout.split('\n').entries()) {
    if (!raw.trim()) continue;
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      problems.push(`line ${i + 1} is not JSON: ${raw.slice(0, 120)}`);
      continue;
    }
    const name = typeof f.name === 'string' ? f.name : '';
    const suite = owner(name);
    if (!suite) {
      problems.push(`figure ${JSON.stringify(name)} is under no suite's prefix`);
      continue;
    }
    counts.set(suite.prefix, counts.get(suite.prefix)! + 1);
    if (f.error !== undefined) problems.push(`suite ${suite.prefix} failed: ${String(f.error)}`);
    else if (f.skipped !== undefined) {
      const missing = String(f.missing);
      // MAESTRO_BENCH_NO_SKIP=PREFIX: that suite's dependencies are known to be there (npm test runs
      // app. again after the build with it), so a skip is a failure.
      const required = (env.MAESTRO_BENCH_NO_SKIP ?? '').split(',').includes(suite.prefix);
      const excused = !required && (MAY_SKIP[suite.prefix] ?? []).includes(missing) && !(missing === 'postgresql' && env.MAESTRO_TEST_DATABASE_URL);
      if (!excused) problems.push(`figure ${name} skipped without an allowed reason: ${String(f.skipped)} (missing ${missing})`);
    } else if (!(typeof f.value === 'number' && Number.isFinite(f.value))) problems.push(`figure ${name} has no finite value (${String(f.value)})`);
  }
  for (const [prefix, n] of counts) if (n === 0) problems.push(`suite ${prefix} printed no figure`);
  return problems;
}
