// The API fuzzer (issue 19): inputs generated from every channel's request schema (and hostile
// values in any place), sent through the one dispatcher both transports use; requests generated for
// every sync-server route, signed by an enrolled device or not, sent through the Hono app. It counts:
//  - internal:    a channel answered INTERNAL, or the server answered 5xx
//  - threw:       the dispatcher or the app threw instead of answering
//  - stall:       the event loop was held for more than STALL_MS while one input ran
//  - db_changed:  a refused request changed the device database (beyond the audit entry of a refusal)
//  - network:     a handler tried to reach an address other than loopback
// and the heap growth over the run. `npm test` runs a short pass; `npm run bench -- fuzz` the long one.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { channelNames, channelSchemas } from '../../src/shared/api/index';
import { createDispatcher } from '../../src/main/app/dispatch';
import type { Services } from '../../src/main/app/services';
import { makeServices, tempDir } from '../../src/main/platform/test-utils';
import { arbitraryOf, HOSTILE_STRINGS, type HostilePaths, type Schema } from './schema-arbitrary';

export const STALL_MS = 200;

export type FailureKind = 'internal' | 'threw' | 'stall' | 'db_changed' | 'network';

export interface Failure {
  kind: FailureKind;
  target: string;
  input: string;
  detail: string;
}

export interface FuzzReport {
  inputs: number;
  failures: Failure[];
  /** the longest the event loop was held by one input, ms */
  maxStallMs: number;
  heapGrowthMb: number;
  byTarget: Record<string, number>;
  /** answers by outcome: 'ok' or the error code (the share that reached a handler shows here) */
  outcomes: Record<string, number>;
}

/** A port nothing listens on (bound, then closed): URL fields point there so no request leaves the machine. */
export async function closedLoopbackPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A FIFO, /dev/zero, a 64 GiB sparse file, a folder, a missing file, a tiny real file. */
export function hostilePaths(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const sparse = join(dir, 'sparse.bin');
  writeFileSync(sparse, '');
  truncateSync(sparse, 64 * 1024 ** 3);
  const small = join(dir, 'small.txt');
  writeFileSync(small, 'not a pack, a backup or a bundle');
  return [fifo, '/dev/zero', '/dev/urandom', sparse, dir, join(dir, 'missing'), small, '', 'relative/path', '\ud800'];
}

/**
 * Samples the event loop every 5 ms; `take()` returns the longest gap since the last take. A gap
 * counts only when this process was busy for most of it (CPU time), so a loaded machine that did
 * not schedule the process is not blamed on the input.
 */
function stallMeter() {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let worst = 0;
  const t = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const gap = now - last - 5;
    const busy = (cpu.user + cpu.system) / 1000;
    if (busy >= gap * 0.6) worst = Math.max(worst, gap);
    last = now;
    lastCpu = process.cpuUsage();
  }, 5);
  t.unref();
  return {
    take(): number {
      const w = worst;
      worst = 0;
      last = performance.now();
      lastCpu = process.cpuUsage();
      return w;
    },
    stop: () => clearInterval(t),
  };
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));
const show = (v: unknown) => {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' && x.length > 80 ? `${x.slice(0, 40)}…(${x.length})` : x));
  return (s ?? String(v)).slice(0, 400);
};

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Something of everything the channels look up by id: a waiting RED run and its cards, a draft, a memory item, an attachment. */
async function seedDevice(s: Services, d: ReturnType<typeof createDispatcher>): Promise<string[]> {
  const ids: string[] = [];
  const report = {
    reportId: 'RPT-2026-900',
    siteIds: ['PS-7'],
    period: { from: '2026-10-01', to: '2026-10-31' },
    conclusion: 'unsafe',
    summary: 'Pump station 7: the pressure vessel is cracked; the site is closed until it is repaired.',
    submittedBy: { name: 'Fuzz Field' },
  };
  const run = await s.runs.start({ workflow: 'site-inspection-report@1.0.0', input: report });
  ids.push(run.id);
  const cards = await d('cards.list', { runId: run.id });
  if (cards.ok) ids.push(...(cards.data as { cards: { id: string }[] }).cards.map((c) => c.id));
  const draft = await d('drafts.save', { contract: 'field.inspect.site@1.2.0', data: { siteId: 'PS-7' } });
  if (draft.ok) ids.push((draft.data as { draft: { id: string } }).draft.id);
  const mem = await d('memory.add', { tier: 'semantic', text: 'Valve V-12 at PS-7 leaks under load.', locale: 'en' });
  if (mem.ok) ids.push((mem.data as { item: { id: string } }).item.id);
  const put = s.capture.attachments.put(Buffer.from('photo'), 'v.jpg', 'image/jpeg', new Date().toISOString());
  ids.push(put.hash);
  return ids;
}

/** Channels whose handlers start work that outlives the call or leave the app on purpose. */
const SKIP = new Set<string>(['system.unlock']);

export interface ChannelFuzzOptions {
  inputs: number;
  seed: number;
}

/** Fuzzes every channel of the API table through the dispatcher of a fresh device with a profile. */
export async function fuzzChannels(o: ChannelFuzzOptions): Promise<FuzzReport> {
  const dataDir = tempDir('maestro-fuzz-');
  const port = await closedLoopbackPort();
  const failures: Failure[] = [];
  let current = '';
  // Every request a handler makes goes through here: loopback only, and nothing listens there.
  const guardedFetch = (async (input: string | URL | Request) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (!['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) {
      failures.push({ kind: 'network', target: current, input: url.href, detail: 'a request to a non-loopback address' });
      throw new Error('blocked: not loopback');
    }
    return fetch(url, { signal: AbortSignal.timeout(2000) });
  }) as typeof fetch;
  const s: Services = makeServices({ dataDir, fetch: guardedFetch });
  s.profile.setup({ name: 'Fuzz', tenant: 'acme' });
  const d = createDispatcher(s);
  const h: HostilePaths = { paths: hostilePaths(join(dataDir, 'hostile')), url: `http://127.0.0.1:${port}/`, ids: await seedDevice(s, d) };
  const totalChanges = s.db.prepare('SELECT total_changes()').pluck();
  const auditCount = s.db.prepare('SELECT count(*) FROM audit_log').pluck();
  const channels = channelNames.filter((c) => !SKIP.has(c));
  const arbs = new Map(
    channels.map((c) => {
      const valid = arbitraryOf(channelSchemas[c].req as Schema, h);
      // A few whole inputs are hostile: null, an array, a string, a deep object.
      return [
        c,
        fc.oneof(
          { weight: 95, arbitrary: valid },
          { weight: 5, arbitrary: fc.constantFrom<unknown>(null, [], 'x', 0, HOSTILE_STRINGS[0], { a: { b: { c: {} } } }) },
        ),
      ];
    }),
  );
  const rng = fc.sample(fc.nat({ max: channels.length - 1 }), { numRuns: o.inputs, seed: o.seed });
  const meter = stallMeter();
  const heap0 = heapMb();
  let maxStall = 0;
  const byTarget: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  try {
    for (let i = 0; i < o.inputs; i++) {
      const ch = channels[rng[i]!]!;
      const [input] = fc.sample(arbs.get(ch)!, { numRuns: 1, seed: o.seed + i });
      current = ch;
      byTarget[ch] = (byTarget[ch] ?? 0) + 1;
      // Vectors of items added by earlier requests are written in the background (memory
      // embed-behind): settled first, so they are not counted against this request.
      await s.memory.embedded();
      const tc0 = totalChanges.get() as number;
      const a0 = auditCount.get() as number;
      meter.take();
      let r: Awaited<ReturnType<typeof d>>;
      try {
        r = await d(ch, input);
      } catch (e) {
        failures.push({ kind: 'threw', target: ch, input: show(input), detail: (e as Error).message });
        continue;
      }
      await yieldToLoop();
      const outcome = r.ok ? 'ok' : r.error.code;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      const stall = meter.take();
      maxStall = Math.max(maxStall, stall);
      if (stall > STALL_MS) failures.push({ kind: 'stall', target: ch, input: show(input), detail: `${Math.round(stall)} ms` });
      if (!r.ok && r.error.code === 'INTERNAL') failures.push({ kind: 'internal', target: ch, input: show(input), detail: r.error.message });
      if (!r.ok) {
        // A refusal may be audited (bundle.refused, …): one audit row per change and nothing else.
        const changed = (totalChanges.get() as number) - tc0;
        const audited = (auditCount.get() as number) - a0;
        if (changed > audited * 2)
          failures.push({ kind: 'db_changed', target: ch, input: show(input), detail: `${changed} rows changed by a refused request (${r.error.code})` });
      }
    }
  } finally {
    meter.stop();
    s.close();
  }
  return { inputs: o.inputs, failures, maxStallMs: Math.round(maxStall), heapGrowthMb: Math.round((heapMb() - heap0) * 10) / 10, byTarget, outcomes };
}

/** Path parameter values: a real device id, junk, encodings that do not decode to text. */
const PARAM_VALUES = ['%ED%A0%80', '%', '%zz', '..%2F..%2Fetc', 'x'.repeat(5000), '__proto__', '%00', 'dev_nope', '😀', '-1', ''];

/** Fuzzes every route of the sync server app: unsigned, signed by a field or an admin device, or signed badly. */
export async function fuzzServer(o: ChannelFuzzOptions): Promise<FuzzReport> {
  const { sqliteBackend } = await import('../../src/server/testing/backends');
  const { createHarness } = await import('../../src/server/testing/harness');
  const { makeItem, signedHeaders } = await import('../../src/server/testing/device-client');
  const db = await sqliteBackend.open();
  const h = await createHarness(db);
  const field = await h.enroll();
  const admin = await h.enroll({ role: 'admin' });
  const routes = h.app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }));
  const failures: Failure[] = [];
  const byTarget: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const goodBodies = [
    () => JSON.stringify({ device: field.id, appVersion: '1.0.0', items: [makeItem()] }),
    () => JSON.stringify({ reason: 'Field audit finding 42' }),
    () => JSON.stringify({ reason: 'Promoted', roles: ['reviewer'], confirm: true }),
    () => JSON.stringify({ tenant: 'acme', user: 'x', role: 'field' }),
  ];
  const body = fc.oneof(
    fc.constantFrom(...goodBodies).map((f) => f()),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.constantFrom('', 'null', '{', '"\\ud800"', '{"device":"\\udc00"}', '[]', '{"__proto__":{"x":1}}', 'x'.repeat(70_000)),
  );
  const req = fc.record({
    route: fc.constantFrom(...routes),
    params: fc.array(fc.oneof(fc.constantFrom(...PARAM_VALUES, field.id, admin.id), fc.string({ maxLength: 20 }).map(encodeURIComponent)), {
      minLength: 4,
      maxLength: 4,
    }),
    query: fc.oneof(
      fc.constant(''),
      fc.constantFrom('?limit=-1', '?limit=1e9', '?cursor=%ED%A0%80', '?sort=__proto__', '?level=x&dir=up', '?after=abc', '?wait=999'),
    ),
    body,
    auth: fc.constantFrom('none', 'field', 'admin', 'admin', 'bad'),
    type: fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/octet-stream', ''),
  });
  const samples = fc.sample(req, { numRuns: o.inputs, seed: o.seed });
  const meter = stallMeter();
  const heap0 = heapMb();
  let maxStall = 0;
  try {
    for (const s of samples) {
      let i = 0;
      const path = s.route.path.replace(/:[A-Za-z]+/g, () => s.params[i++ % s.params.length] ?? 'x') + s.query;
      const target = `${s.route.method} ${s.route.path}`;
      byTarget[target] = (byTarget[target] ?? 0) + 1;
      const hasBody = !['GET', 'HEAD'].includes(s.route.method);
      const headers: Record<string, string> = s.type && hasBody ? { 'content-type': s.type } : {};
      const signer = s.auth === 'field' ? field : s.auth === 'admin' || s.auth === 'bad' ? admin : null;
      if (signer) Object.assign(headers, signedHeaders(signer, s.route.method, path, hasBody ? s.body : '', h.now()));
      if (s.auth === 'bad') headers['x-maestro-signature'] = Buffer.alloc(64, 1).toString('base64');
      meter.take();
      let status: number;
      try {
        const res = await h.app.request(path, { method: s.route.method, headers, ...(hasBody ? { body: s.body } : {}) });
        status = res.status;
        await res.arrayBuffer();
      } catch (e) {
        failures.push({ kind: 'threw', target, input: show({ path, auth: s.auth }), detail: (e as Error).message });
        continue;
      }
      h.advance(1000);
      await yieldToLoop();
      const stall = meter.take();
      maxStall = Math.max(maxStall, stall);
      outcomes[String(status)] = (outcomes[String(status)] ?? 0) + 1;
      if (stall > STALL_MS) failures.push({ kind: 'stall', target, input: show({ path, auth: s.auth }), detail: `${Math.round(stall)} ms` });
      if (status >= 500 && status !== 503)
        failures.push({ kind: 'internal', target, input: show({ path, auth: s.auth, body: s.body, type: s.type }), detail: `HTTP ${status}` });
    }
  } finally {
    meter.stop();
    await db.dispose();
  }
  return { inputs: o.inputs, failures, maxStallMs: Math.round(maxStall), heapGrowthMb: Math.round((heapMb() - heap0) * 10) / 10, byTarget, outcomes };
}
