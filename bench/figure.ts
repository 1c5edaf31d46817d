// One JSON line per figure: {"name","value","unit","ref","refName","target"}.
export interface Figure {
  name: string;
  value: number;
  unit: string;
  ref: number | null;
  refName: string | null;
  target?: string | null;
  /** Decimals kept (default 2). */
  decimals?: number;
}

/**
 * MAESTRO_BENCH_SMOKE=1: every suite runs once at a tiny size (npm test's smoke run, bench/smoke.test.ts).
 * The figures are printed as always but mean nothing; what counts is that every suite still runs.
 */
export const SMOKE = process.env.MAESTRO_BENCH_SMOKE === '1';

/** `full` in a real run, `tiny` in the smoke run. */
export function size<T>(full: T, tiny: T): T {
  return SMOKE ? tiny : full;
}

/** Where figure lines go: stdout, unless the runner (bench/runner.ts) routes them through itself. */
let sink = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

/** Replaces the sink; returns the previous one. */
export function setSink(next: (line: Record<string, unknown>) => void): (line: Record<string, unknown>) => void {
  const prev = sink;
  sink = next;
  return prev;
}

export function emit(f: Figure): void {
  const { decimals = 2, ...figure } = f;
  const k = 10 ** decimals;
  const round = (x: number | null) => (x === null ? null : Math.round(x * k) / k);
  sink({ ...figure, value: round(f.value), ref: round(f.ref) });
}

/** A figure not measured because a dependency is absent (`missing` names it, e.g. postgresql or haproxy). */
export function emitSkipped(name: string, reason: string, missing: string): void {
  sink({ name, value: null, unit: null, ref: null, refName: null, skipped: reason, missing });
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
