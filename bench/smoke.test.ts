// The checks behind the benchmarks' smoke run (issue 20). npm test runs every suite of `npm run bench`
// once at a tiny size (MAESTRO_BENCH_SMOKE=1, a step of scripts/test-all.mjs that runs beside typecheck
// and lint); bench/run.ts then holds its own output to bench/smoke-check.ts. Here, with fake suites:
// a suite that throws, hangs, prints nothing, prints a figure that is not a finite number, or skips
// for a reason other than a missing PostgreSQL/HAProxy fails the smoke, and the other suites still run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emit, emitSkipped } from './figure';
import { runSuites, type Suite } from './runner';
import { smokeProblems } from './smoke-check';
import { SUITES } from './suites';

describe('a broken suite fails the smoke', () => {
  const fake = (prefix: string, run: Suite['run']): Suite => ({ prefix, run });
  const suites: Suite[] = [
    fake('fake.good.', () => emit({ name: 'fake.good.rate', value: 12.5, unit: '/s', ref: 10, refName: 'ref' })),
    fake('fake.throws.', () => {
      emit({ name: 'fake.throws.first', value: 1, unit: 's', ref: null, refName: null });
      throw new Error('chain not valid');
    }),
    fake('fake.nan.', () => emit({ name: 'fake.nan.rate', value: 0 / 0, unit: '/s', ref: null, refName: null })),
    fake('fake.silent.', async () => {}),
    fake('fake.skips.', () => emitSkipped('fake.skips.x', 'PostgreSQL not available', 'postgresql')),
  ];

  it('every suite runs, each bad one gets an error line under its prefix, and the checker names each', async () => {
    const lines: Record<string, unknown>[] = [];
    const results = await runSuites(suites, { filter: '', out: (l) => lines.push(l), log: () => {} });
    expect(results.map((r) => [r.prefix, r.error])).toEqual([
      ['fake.good.', null],
      ['fake.throws.', 'chain not valid'],
      ['fake.nan.', 'figure fake.nan.rate has no finite value (NaN)'],
      ['fake.silent.', 'printed no figure'],
      ['fake.skips.', null],
    ]);
    expect(lines.filter((l) => l.error !== undefined).map((l) => l.name)).toEqual(['fake.throws.', 'fake.nan.', 'fake.silent.']);
    const stdout = lines.map((l) => JSON.stringify(l)).join('\n');
    const problems = smokeProblems(stdout, suites, {});
    expect(problems).toEqual([
      'suite fake.throws. failed: chain not valid',
      'figure fake.nan.rate has no finite value (null)',
      'suite fake.nan. failed: figure fake.nan.rate has no finite value (NaN)',
      'suite fake.silent. failed: printed no figure',
      // Only the cluster suite may skip, and only for a missing PostgreSQL or HAProxy.
      'figure fake.skips.x skipped without an allowed reason: PostgreSQL not available (missing postgresql)',
    ]);
  });

  it('a stray error while a suite runs fails that suite', async () => {
    const queue: unknown[] = [];
    const results = await runSuites([fake('fake.late.', () => void queue.push(new Error('timer threw')))], {
      filter: '',
      out: () => {},
      log: () => {},
      stray: { take: () => queue.splice(0) },
    });
    expect(results[0]!.error).toBe('stray error while it ran: timer threw');
  });

  it('a suite that hangs fails after the timeout, and the next one still runs', async () => {
    const results = await runSuites(
      [
        fake('fake.hangs.', () => new Promise<void>(() => {})),
        fake('fake.after.', () => emit({ name: 'fake.after.x', value: 1, unit: 's', ref: null, refName: null })),
      ],
      { filter: '', out: () => {}, log: () => {}, timeoutMs: 50 },
    );
    expect(results.map((r) => r.error)).toEqual(['still running after 0.05 s', null]);
  });

  it('the cluster may skip for a missing dependency, but not for PostgreSQL when a URL is set', () => {
    const cluster = SUITES.filter((s) => s.prefix === 'sync.cluster.');
    const skip = (missing: string) => JSON.stringify({ name: 'sync.cluster.ingest', value: null, skipped: 'absent', missing });
    expect(smokeProblems(skip('haproxy'), cluster, {})).toEqual([]);
    expect(smokeProblems(skip('postgresql'), cluster, {})).toEqual([]);
    expect(smokeProblems(skip('postgresql'), cluster, { MAESTRO_TEST_DATABASE_URL: 'postgres://127.0.0.1:5433/x' })).toHaveLength(1);
    expect(smokeProblems(skip('disk space'), cluster, {})).toHaveLength(1);
    expect(smokeProblems('not json\n', cluster, {})).toEqual(['line 1 is not JSON: not json', 'suite sync.cluster. printed no figure']);
    expect(smokeProblems(JSON.stringify({ name: 'other.x', value: 1 }), cluster, {})[0]).toMatch(/under no suite's prefix/);
  });

  it('the year suite may skip before the build, but not where MAESTRO_BENCH_NO_SKIP names it (npm test, after the build)', () => {
    const year = SUITES.filter((s) => s.prefix === 'app.');
    const skip = JSON.stringify({ name: 'app.start.ready', value: null, skipped: 'no renderer build', missing: 'renderer build' });
    expect(smokeProblems(skip, year, {})).toEqual([]);
    expect(smokeProblems(skip, year, { MAESTRO_BENCH_NO_SKIP: 'app.' })).toEqual([
      'figure app.start.ready skipped without an allowed reason: no renderer build (missing renderer build)',
    ]);
  });
});

describe('npm run bench, the command line', () => {
  const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, MAESTRO_BENCH_SMOKE: '1' },
      encoding: 'utf8',
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('runs the suites a prefix selects, checks the smoke output and compares with a saved run', { timeout: 60_000 }, () => {
    const saved = join(mkdtempSync(join(tmpdir(), 'maestro-bench-cli-')), 'saved.jsonl');
    writeFileSync(saved, '> npm banner\n{"name":"risk.calc","value":1,"unit":"evals/s"}\n{"name":"risk.gone","value":2}\n');
    const r = cli(['risk.', '--compare', saved]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ name: 'risk.calc', unit: 'evals/s' });
    expect(r.stderr).toMatch(/^risk\.calc\s+\S+\s+1\s+\+[\d.]+ %\s+±20\.0 % \(default\)\s+SIGNIFICANT$/m);
    expect(r.stderr).toContain('in the saved run(s) but not measured now: risk.gone');
    expect(r.stderr).toContain('bench smoke: ok, 1 suite(s)');
  });

  it('exits non-zero on a prefix no suite has, and on bad options', { timeout: 60_000 }, () => {
    expect(cli(['no-such-suite.']).status).toBe(1);
    const bad = cli(['--compare']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--compare needs one saved run, or three');
  });
});
