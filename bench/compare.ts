// `npm run bench -- [prefix] --compare A [B C]`: each figure of this run beside saved runs (the JSON
// lines of earlier `npm run bench` runs; other lines, such as npm's banner, are ignored).
// - One saved run: the change is significant when it is beyond the default noise band, ±DEFAULT_NOISE_PCT %
//   of the saved value (`--noise PCT` sets another).
// - Three saved runs (of the same code, on the same machine): the baseline is their median and the noise
//   is their spread (max − min); a change is significant only when |now − median| exceeds that spread.
//   A figure found in fewer of them falls back to the default band.
// Pure functions: bench/compare.test.ts.

export const DEFAULT_NOISE_PCT = 20;

/** name → value of every measured figure in a saved run (errors, skips and non-JSON lines left out). */
export function parseRun(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    let x: unknown;
    try {
      x = JSON.parse(t);
    } catch {
      continue;
    }
    const f = x as { name?: unknown; value?: unknown };
    if (typeof f.name === 'string' && typeof f.value === 'number' && Number.isFinite(f.value)) out.set(f.name, f.value);
  }
  return out;
}

export interface Comparison {
  name: string;
  value: number;
  /** null: the figure is in none of the saved runs */
  baseline: number | null;
  /** (value − baseline) / |baseline| in %, null when there is no baseline or it is 0 */
  changePct: number | null;
  /** the noise band in the figure's own unit, and how it was found */
  noise: number | null;
  noiseFrom: 'runs' | 'default' | null;
  significant: boolean;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Compares each figure of `now` (in its order) with the saved runs. */
export function compareRuns(now: ReadonlyMap<string, number>, saved: readonly ReadonlyMap<string, number>[], noisePct = DEFAULT_NOISE_PCT): Comparison[] {
  return [...now].map(([name, value]) => {
    const seen = saved.map((r) => r.get(name)).filter((v): v is number => v !== undefined);
    if (seen.length === 0) return { name, value, baseline: null, changePct: null, noise: null, noiseFrom: null, significant: false };
    const baseline = median(seen);
    const fromRuns = seen.length >= 3;
    const noise = fromRuns ? Math.max(...seen) - Math.min(...seen) : (Math.abs(baseline) * noisePct) / 100;
    const diff = value - baseline;
    return {
      name,
      value,
      baseline,
      changePct: baseline === 0 ? null : (diff / Math.abs(baseline)) * 100,
      noise,
      noiseFrom: fromRuns ? 'runs' : 'default',
      significant: Math.abs(diff) > noise,
    };
  });
}

const num = (x: number): string => (Math.abs(x) >= 1000 ? x.toFixed(0) : String(Math.round(x * 1000) / 1000));
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

/** A plain-text table: name, now, saved, change, noise band, and a mark on significant changes. */
export function formatComparison(rows: readonly Comparison[], savedRuns: number, missing: readonly string[] = []): string {
  const head = ['figure', 'now', 'saved', 'change', 'noise', ''];
  const body = rows.map((r) => {
    const band = r.noise === null ? '' : r.baseline ? `±${((r.noise / Math.abs(r.baseline)) * 100).toFixed(1)} %` : `±${num(r.noise)}`;
    return [
      r.name,
      num(r.value),
      r.baseline === null ? '-' : num(r.baseline),
      r.changePct === null ? (r.baseline === null ? 'new' : 'n/a') : pct(r.changePct),
      band + (r.noiseFrom === 'default' ? ' (default)' : ''),
      r.significant ? 'SIGNIFICANT' : '',
    ];
  });
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const significant = rows.filter((r) => r.significant).length;
  return [
    `bench compare: against ${savedRuns === 1 ? 'one saved run' : `the median of ${savedRuns} saved runs`}`,
    line(head),
    ...body.map(line),
    ...(missing.length ? [`in the saved run(s) but not measured now: ${missing.join(', ')}`] : []),
    `${significant} significant change(s) of ${rows.length} figure(s)`,
  ].join('\n');
}
