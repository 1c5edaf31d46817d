// The device at the scale of a year of field work (issue 20, scripts/year-profile.ts: 1M audit
// entries, 100k records with their outbox items, 100k decision cards, 200k memory items, 5 GB of
// attachments). The web host is started as `npm run start:web` starts it (a child process running
// the built `out/main/webhost.js`, vault keystore, SQLCipher database) and Debian's Chromium opens it
// through playwright-core.
//
// - app.start.ready: from spawning the host to the first screen with data (the Capture view with its
//   contracts loaded, the navigation shown). One warm-up start (discarded) fills the OS page cache
//   with the built code and the empty profile, so the figure is the app's start, not the disk's.
//   (Until issue 20's start-up work the host ran under tsx, which compiled the TypeScript at each
//   start; the README's start command now runs the build, and so does this bench.)
// - app.view.<view>: from a click in the navigation to the view's first page of rows (or its data)
//   on screen: runs, cards, memory, outbox, audit, health.
// - app.search.<view>: one search/filter request per view, the channel the view calls, over the
//   loopback HTTP bridge with the host's token (median of 5).
// - app.rss.start / app.rss.growth: resident memory (VmRSS) of the host process (the app's main
//   process; Chromium's renderer is not counted) 2 s after the first screen, and its growth after
//   "an hour of scripted use", compressed: ACTIONS scripted actions (a view switch and the calls a
//   person's hour makes — captures, notes, searches, next pages, card and memory look-ups), about
//   one every 6 s of an hour, run back to back; then a GC-independent reading 2 s later.
// Every figure's `ref` is the same measurement on an empty profile (the same owner, no data), in the
// same run. audit.verify.1m is bench/audit.bench.ts's; start-up's background verify runs here too
// (in chunks, off the start path), so app.start.ready shows whether it blocks the first screen.
// The profiles are deleted at the end of the run (the full one is ~6 GB).
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildYearProfile, YEAR_ENV } from '../scripts/year-profile';
import { tempDir } from '../src/main/platform/test-utils';
import { emit, emitSkipped, size, SMOKE } from './figure';

const CHROMIUM = process.env.MAESTRO_CHROMIUM ?? '/usr/bin/chromium';
const RENDERER = join(process.cwd(), 'out', 'renderer', 'index.html');
const MAIN_BUILD = join(process.cwd(), 'out', 'main');
const ACTIONS = size(600, 12);
const NAV: Record<string, string> = { runs: 'Runs', cards: 'Decision cards', memory: 'Memory', outbox: 'Outbox', audit: 'Audit', health: 'Health' };
/** What marks a view's first page (or its data) on screen. */
const LOADED: Record<string, string> = {
  runs: '[data-testid=run-list], [data-testid=runs-empty]',
  cards: '[data-testid=cards-view] [role=option], [data-testid=cards-view] .card-list.empty',
  memory: '[data-testid=tier-stats]',
  outbox: '.outbox-table [role=rowgroup] [role=row], .outbox-table[aria-rowcount="1"]',
  audit: '.audit-list [role=listitem], [data-testid=audit-total]',
  health: 'article[data-check]',
};

interface Host {
  proc: ChildProcess;
  url: string;
  token: string;
  /** The tail of the host's stderr (its JSON log lines), for a failed call's error. */
  log(): string;
  stop(): Promise<void>;
}

/** Copies of the built renderer and main bundles, so a build running beside the bench (npm test) does not pull them away. */
let rendererDir = '';
/** Inside the repository (out/), so the bundle's bare imports resolve from node_modules as out/main's do. */
let mainDir = '';

function startHost(dataDir: string): Promise<Host> {
  // MAESTRO_HOST_NODE_ARGS: extra node flags for the host (e.g. --cpu-prof --cpu-prof-dir=DIR to profile it).
  const nodeArgs = (process.env.MAESTRO_HOST_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, join(mainDir, 'webhost.js'), '--data-dir', dataDir, '--renderer-dir', rendererDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MAESTRO_DEV_POLICY: '', ...YEAR_ENV, MAESTRO_DATA_DIR: dataDir },
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`web host did not start: ${err}`)), 120_000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready: (http:\/\/127\.0\.0\.1:\d+\/)#token=(\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const stop = () =>
        new Promise<void>((res) => {
          if (proc.exitCode !== null) return res();
          proc.once('exit', () => res());
          proc.kill('SIGTERM');
        });
      resolve({ proc, url: m[1]!, token: m[2]!, log: () => err, stop });
    });
    proc.once('exit', (code) => reject(new Error(`web host exited ${code}: ${err}`)));
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function api(h: Host, channel: string, body: unknown): Promise<unknown> {
  const t = performance.now();
  let res: Response;
  try {
    res = await fetch(`${h.url}api/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: JSON.stringify(body),
    });
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    const exit = h.proc.exitCode ?? h.proc.signalCode;
    throw new Error(
      `${channel} after ${((performance.now() - t) / 1000).toFixed(1)} s: ${(e as Error).message}${cause ? ` (${cause.message})` : ''}` +
        `${exit !== null ? `; host exited (${exit})` : ''}; host log: ${h.log().slice(-1500)}`,
    );
  }
  const j = (await res.json()) as { ok: boolean; data?: unknown; error?: { message: string } };
  if (!j.ok) throw new Error(`${channel}: ${j.error?.message}`);
  const ms = performance.now() - t;
  if (ms > 1000) process.stderr.write(`year: ${channel} took ${ms.toFixed(0)} ms\n`);
  return j.data;
}

const SEARCHES: Record<string, [string, unknown]> = {
  runs: ['runs.list', { status: 'failed', limit: 50 }],
  cards: ['cards.list', { text: 'corrosion', limit: 50 }],
  memory: ['memory.search', { text: 'valve flange corrosion', limit: 10 }],
  outbox: ['outbox.list', { state: 'queued', limit: 100 }],
  audit: ['audit.list', { action: 'note.added', limit: 100 }],
};

async function median(n: number, f: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    xs.push(performance.now() - t);
  }
  return xs.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

async function openApp(browser: Browser, dataDir: string): Promise<{ host: Host; page: Page; readyMs: number }> {
  const t0 = performance.now();
  const host = await startHost(dataDir);
  const page = await browser.newPage();
  await page.goto(`${host.url}#token=${host.token}`);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await page.locator('.contract-picker select option').first().waitFor({ state: 'attached' });
  return { host, page, readyMs: performance.now() - t0 };
}

async function viewTimes(page: Page): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [view, name] of Object.entries(NAV)) {
    await nav.getByRole('button', { name: 'Capture' }).click();
    const t = performance.now();
    await nav.getByRole('button', { name, exact: true }).click();
    await page.locator(LOADED[view]!).first().waitFor({ state: 'attached', timeout: 60_000 });
    out[view] = performance.now() - t;
  }
  return out;
}

/** The compressed hour: ACTIONS actions, each a view switch and one or two calls of that view. */
async function scriptedHour(h: Host, page: Page): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const views = Object.keys(NAV);
  let before: number | null = null;
  for (let i = 0; i < ACTIONS; i++) {
    const view = views[i % views.length]!;
    if (i % 5 === 0) await nav.getByRole('button', { name: NAV[view]!, exact: true }).click();
    if (view === 'audit') {
      const page1 = (await api(h, 'audit.list', { limit: 100, ...(before ? { beforeSeq: before } : {}) })) as { nextBeforeSeq: number | null };
      before = page1.nextBeforeSeq;
      await api(h, 'audit.append', { note: `Scripted note ${i}`, subject: `site-${i}` });
    } else if (view === 'runs') await api(h, 'capture.submit', { contract: 'lab.record.specimen@2.0.1', data: scriptedSpecimen(i) });
    else await api(h, ...SEARCHES[view === 'health' ? 'memory' : view]!);
  }
}

const scriptedSpecimen = (i: number) => ({
  specimenId: `SP-2027-${String(i).padStart(6, '0')}`,
  collectedAt: '2027-01-15',
  taxon: 'Gammarus pulex',
  count: 1 + (i % 50),
  site: { lat: 60.2, lon: 24.95, elevationM: 12, habitat: 'freshwater' },
  collector: { name: 'Scripted' },
  preservation: 'ethanol-70',
  hazard: 'none',
  tags: ['bench'],
});

interface Measured {
  ready: number;
  views: Record<string, number>;
  searches: Record<string, number>;
  rssStart: number;
  rssGrowth: number;
}

async function measure(browser: Browser, dataDir: string): Promise<Measured> {
  const { host, page, readyMs } = await openApp(browser, dataDir);
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const rssStart = rssMb(host.proc.pid!);
    process.stderr.write(`year: ready in ${readyMs.toFixed(0)} ms, ${rssStart.toFixed(0)} MB\n`);
    const views = await viewTimes(page);
    process.stderr.write(`year: views ${JSON.stringify(views)}\n`);
    const searches: Record<string, number> = {};
    for (const [view, [channel, body]] of Object.entries(SEARCHES)) searches[view] = await median(5, () => api(host, channel, body));
    process.stderr.write(`year: searches ${JSON.stringify(searches)}\n`);
    await scriptedHour(host, page);
    await new Promise((r) => setTimeout(r, 2000));
    return { ready: readyMs, views, searches, rssStart, rssGrowth: rssMb(host.proc.pid!) - rssStart };
  } finally {
    await page.close();
    await host.stop();
  }
}

function report(year: Measured, empty: Measured, label: string): void {
  const ref = 'the same on an empty profile (owner only), same run';
  emit({
    name: 'app.start.ready',
    value: year.ready,
    unit: `ms (spawn → first screen with data, ${label})`,
    ref: empty.ready,
    refName: ref,
    target: '< 1500',
    decimals: 0,
  });
  for (const v of Object.keys(year.views))
    emit({
      name: `app.view.${v}`,
      value: year.views[v]!,
      unit: `ms (nav click → first page on screen, ${label})`,
      ref: empty.views[v]!,
      refName: ref,
      decimals: 0,
    });
  for (const v of Object.keys(year.searches))
    emit({
      name: `app.search.${v}`,
      value: year.searches[v]!,
      unit: `ms (median of 5, ${SEARCHES[v]![0]} over the bridge, ${label})`,
      ref: empty.searches[v]!,
      refName: ref,
      decimals: 1,
    });
  emit({
    name: 'app.rss.start',
    value: year.rssStart,
    unit: `MB (host VmRSS after start, ${label})`,
    ref: empty.rssStart,
    refName: ref,
    target: '< 250',
    decimals: 0,
  });
  emit({
    name: 'app.rss.growth',
    value: year.rssGrowth,
    unit: `MB (after ${ACTIONS} scripted actions ≈ an hour of use, ${label})`,
    ref: empty.rssGrowth,
    refName: ref,
    target: '< 50',
    decimals: 0,
  });
}

export async function run(): Promise<void> {
  if (!existsSync(RENDERER) || !existsSync(join(MAIN_BUILD, 'webhost.js')))
    return emitSkipped('app.start.ready', 'app not built (npx electron-vite build)', 'renderer build');
  if (!existsSync(CHROMIUM)) return emitSkipped('app.start.ready', `no Chromium at ${CHROMIUM}`, 'chromium');
  const factor = SMOKE ? 0.0005 : Number(process.env.MAESTRO_YEAR_FACTOR ?? 1);
  const dirs = [tempDir('maestro-year-empty-'), tempDir('maestro-year-'), tempDir('maestro-year-renderer-')];
  rendererDir = dirs[2]!;
  cpSync(join(RENDERER, '..'), rendererDir, { recursive: true });
  mainDir = join(process.cwd(), 'out', `.bench-main-${process.pid}`);
  cpSync(MAIN_BUILD, mainDir, { recursive: true });
  dirs.push(mainDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless', '--lang=en-US', '--disable-gpu'] });
  try {
    await buildYearProfile(dirs[0]!, 0);
    const t = performance.now();
    const built = await buildYearProfile(dirs[1]!, factor, (m) => process.stderr.write(`${m}\n`));
    const label = factor === 1 ? 'year profile' : `year profile ×${factor}`;
    process.stderr.write(`year-profile: built in ${((performance.now() - t) / 1000).toFixed(0)} s: ${JSON.stringify(built.counts)}\n`);
    // Warm-up: the page cache of the built code and the empty profile, not measured (not in the smoke run).
    if (!SMOKE) {
      const warm = await openApp(browser, dirs[0]!);
      await warm.page.close();
      await warm.host.stop();
    }
    const empty = await measure(browser, dirs[0]!);
    const year = await measure(browser, dirs[1]!);
    report(year, empty, label);
  } finally {
    await browser.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
