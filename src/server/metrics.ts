// Prometheus metrics (prom-client), served by GET /metrics (routes/metrics.ts). One Registry per
// app, never prom-client's global one: tests build many apps in one process, and two apps must not
// count into each other. Labels are bounded: route patterns (not raw paths), a fixed method set,
// status codes, item outcomes, and at most MAX_TENANTS tenants for the queue depth.
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerStorage } from './storage/types';

export type ItemOutcome = 'accepted' | 'duplicate' | 'rejected';

export interface ServerMetrics {
  readonly registry: Registry;
  request(route: string, method: string, status: number, seconds: number): void;
  /** Items in one valid sync batch. */
  batch(items: number): void;
  /** The outcome of each item of a batch reply. */
  items(outcomes: readonly ItemOutcome[]): void;
  receiptsSigned(n: number): void;
  /** A long poll starts waiting; call the returned function when it ends. */
  longPollOpened(): () => void;
  /** From a long poll's wake-up (told right after a feed commit) to its answer with the new rows. */
  wake(seconds: number): void;
  /** From a feed commit on another instance to this one hearing of it (PostgreSQL NOTIFY). */
  notifyWake(seconds: number): void;
}

export type MetricsStorage = Pick<ServerStorage, 'poolStats' | 'queueDepths'>;

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop, GC): the served process only, not every test app. */
  processMetrics?: boolean;
  /** How long one per-tenant queue-depth query is reused (default 15 s): scrapes never load the database. */
  queueDepthTtlMs?: number;
}

/** Tenants with the deepest queues get their own series; the rest are summed as OTHER_TENANTS. */
const MAX_TENANTS = 100;
const OTHER_TENANTS = '_other'; // tenant names start with [a-z0-9], so this never collides
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
/** Long polls wait up to 30 s, so the request histogram reaches past it. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const WAKE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** The matched route pattern ('/v1/attachments/:blob'), or 'unmatched': never the raw path. */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  // app.use() middleware is registered for method ALL; the handler is the last route with a method.
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  return 'unmatched';
}

export const methodLabel = (m: string): string => (METHODS.has(m) ? m : 'OTHER');

export function createMetrics(storage: MetricsStorage, opts: MetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'maestro_' });
  const r = { registers: [registry] };
  const requests = new Counter({
    ...r,
    name: 'maestro_http_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
  });
  const latency = new Histogram({
    ...r,
    name: 'maestro_http_request_duration_seconds',
    help: 'HTTP request duration (long polls included) by route pattern and method',
    labelNames: ['route', 'method'],
    buckets: LATENCY_BUCKETS,
  });
  const batchItems = new Histogram({ ...r, name: 'maestro_sync_batch_items', help: 'Items per valid sync batch', buckets: BATCH_BUCKETS });
  const stored = new Counter({ ...r, name: 'maestro_sync_items_stored_total', help: 'Sync batch items by outcome', labelNames: ['status'] });
  const receipts = new Counter({ ...r, name: 'maestro_receipts_signed_total', help: 'Receipts signed with the server key' });
  const polls = new Gauge({ ...r, name: 'maestro_longpolls_open', help: 'Pull long polls waiting now' });
  const wake = new Histogram({
    ...r,
    name: 'maestro_pull_wake_latency_seconds',
    help: 'From a waiting long poll being woken (right after a feed commit) to its answer',
    buckets: WAKE_BUCKETS,
  });
  const notified = new Histogram({
    ...r,
    name: 'maestro_pull_notify_latency_seconds',
    help: 'From a feed commit on another instance to this instance hearing of it (LISTEN/NOTIFY)',
    buckets: WAKE_BUCKETS,
  });
  poolGauge(registry, storage);
  queueDepthGauge(registry, storage, opts.queueDepthTtlMs ?? 15_000);
  for (const s of ['accepted', 'duplicate', 'rejected']) stored.inc({ status: s }, 0);
  return {
    registry,
    request: (route, method, status, seconds) => {
      const m = methodLabel(method);
      requests.inc({ route, method: m, status: String(status) });
      latency.observe({ route, method: m }, seconds);
    },
    batch: (n) => batchItems.observe(n),
    items: (outcomes) => {
      for (const o of outcomes) stored.inc({ status: o });
    },
    receiptsSigned: (n) => receipts.inc(n),
    longPollOpened: () => {
      polls.inc();
      let open = true;
      return () => {
        if (open) polls.dec();
        open = false;
      };
    },
    wake: (seconds) => wake.observe(Math.max(0, seconds)),
    notifyWake: (seconds) => notified.observe(Math.max(0, seconds)),
  };
}

/** PostgreSQL pool connections, read at scrape time; SQLite has no pool, so no series. */
function poolGauge(registry: Registry, storage: MetricsStorage): void {
  if (!storage.poolStats) return;
  const read = storage.poolStats.bind(storage);
  new Gauge({
    registers: [registry],
    name: 'maestro_db_pool_connections',
    help: 'Database pool connections: total open, idle, and requests waiting for one',
    labelNames: ['state'],
    collect() {
      const s = read();
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });
}

/**
 * Items the devices of each tenant last reported as waiting to sync. One GROUP BY over the devices
 * table, reused for `ttlMs`; a failed query leaves the last figures (a scrape never fails for it).
 */
function queueDepthGauge(registry: Registry, storage: MetricsStorage, ttlMs: number): void {
  if (!storage.queueDepths) return;
  const query = storage.queueDepths.bind(storage);
  let cached: { at: number; rows: { tenant: string; pending: number }[] } | null = null;
  new Gauge({
    registers: [registry],
    name: 'maestro_tenant_queue_depth',
    help: `Items waiting on devices to sync, per tenant (deepest ${MAX_TENANTS}; the rest as tenant="${OTHER_TENANTS}")`,
    labelNames: ['tenant'],
    async collect() {
      if (!cached || Date.now() - cached.at >= ttlMs) {
        try {
          cached = { at: Date.now(), rows: await query() };
        } catch {
          cached = cached ? { ...cached, at: Date.now() } : null;
        }
      }
      this.reset();
      const rows = [...(cached?.rows ?? [])].sort((a, b) => b.pending - a.pending);
      for (const row of rows.slice(0, MAX_TENANTS)) this.set({ tenant: row.tenant }, row.pending);
      if (rows.length > MAX_TENANTS)
        this.set(
          { tenant: OTHER_TENANTS },
          rows.slice(MAX_TENANTS).reduce((n, x) => n + x.pending, 0),
        );
    },
  });
}
