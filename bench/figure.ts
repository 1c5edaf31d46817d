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

export function emit(f: Figure): void {
  const { decimals = 2, ...figure } = f;
  const k = 10 ** decimals;
  const round = (x: number | null) => (x === null ? null : Math.round(x * k) / k);
  process.stdout.write(JSON.stringify({ ...figure, value: round(f.value), ref: round(f.ref) }) + '\n');
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
