// Runs the selected suites one after another. A suite that throws, prints no figure or prints a
// figure whose value is not a finite number gets one error line ({"name": its prefix, "error": why});
// the run goes on with the next suite, and the result says which suites failed (the CLI then exits
// non-zero). Every figure line passes through here (setSink), so it is counted against its suite.
import { setSink } from './figure';

export interface Suite {
  /** Figure names start with `prefix` or one of `also`; `npm run bench -- PREFIX` selects by them. */
  prefix: string;
  also?: string[];
  /** `filter` is the command line's prefix ('' for all): a suite may run only the parts it selects. */
  run: (filter: string) => void | Promise<void>;
}

export interface SuiteResult {
  prefix: string;
  figures: number;
  seconds: number;
  error: string | null;
}

export function prefixesOf(s: Pick<Suite, 'prefix' | 'also'>): string[] {
  return [s.prefix, ...(s.also ?? [])];
}

export function selected(s: Pick<Suite, 'prefix' | 'also'>, filter: string): boolean {
  return !filter || prefixesOf(s).some((p) => p.startsWith(filter) || filter.startsWith(p));
}

function errorLine(prefix: string, message: string): Record<string, unknown> {
  return { name: prefix, value: null, unit: null, ref: null, refName: null, error: message };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

interface RunOptions {
  filter: string;
  /** One figure line (an object, JSON-encoded by the caller's writer). */
  out: (line: Record<string, unknown>) => void;
  /** Progress and errors, for humans (stderr). */
  log: (msg: string) => void;
  /** Errors thrown outside a suite's promise (a timer, a stray rejection) land here while it runs. */
  stray?: { take: () => unknown[] };
  /** A suite still running after this long fails (it is left behind; the CLI exits at the end). */
  timeoutMs?: number;
}

function withTimeout(p: Promise<void>, ms: number | undefined): Promise<void> {
  if (!ms) return p;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function runOne(s: Suite, o: RunOptions): Promise<SuiteResult> {
  let figures = 0;
  const bad: string[] = [];
  const prev = setSink((line) => {
    figures++;
    if (line.skipped === undefined && !(typeof line.value === 'number' && Number.isFinite(line.value)))
      bad.push(`figure ${String(line.name)} has no finite value (${String(line.value)})`);
    o.out(line);
  });
  const t = performance.now();
  let error: string | null = null;
  try {
    await withTimeout(
      Promise.resolve().then(() => s.run(o.filter)),
      o.timeoutMs,
    );
  } catch (err) {
    error = message(err);
    o.log(`bench: suite ${s.prefix} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    setSink(prev);
  }
  const stray = o.stray?.take() ?? [];
  if (error === null && stray.length) error = `stray error while it ran: ${message(stray[0])}`;
  if (error === null && bad.length) error = bad.join('; ');
  if (error === null && figures === 0) error = 'printed no figure';
  if (error !== null) o.out(errorLine(s.prefix, error));
  return { prefix: s.prefix, figures, seconds: (performance.now() - t) / 1000, error };
}

/** Runs every suite `filter` selects, whatever the others did. */
export async function runSuites(suites: readonly Suite[], o: RunOptions): Promise<SuiteResult[]> {
  const results: SuiteResult[] = [];
  for (const s of suites) {
    if (!selected(s, o.filter)) continue;
    const r = await runOne(s, o);
    o.log(`bench: ${r.prefix} ${r.error === null ? 'ok' : 'FAILED'} (${r.figures} figure(s), ${r.seconds.toFixed(1)} s)`);
    results.push(r);
  }
  return results;
}
