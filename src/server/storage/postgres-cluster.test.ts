// Several server instances on one PostgreSQL schema, in one process: each "instance" is its own
// storage (pool + LISTEN connection), as a second server process would be. Runs when
// MAESTRO_TEST_DATABASE_URL is set; the real-process version is test/integration/instances.test.ts.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeItem } from '../testing/device-client';
import { createHarness, type Harness } from '../testing/harness';
import { PG_SKIP_REASON, PG_URL_ENV, postgresBackend, type TestDb } from '../testing/backends';
import { openPostgresStorage } from './postgres';
import { FeedNotifier, feedChannel, parseWake } from './postgres-notify';
import { FeedListeners } from './team';
import type { ServerStorage } from './types';

const url = process.env[PG_URL_ENV];
const backend = postgresBackend(url);

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('wake payloads and channels', () => {
  it('a channel per schema, a plain identifier, at most 63 bytes', () => {
    expect(feedChannel('maestro_t_0a1b')).toBe('maestro_feed_maestro_t_0a1b');
    for (const odd of ['Mixed', 'x'.repeat(60), 'a-b"; DROP']) expect(feedChannel(odd)).toMatch(/^maestro_feed_[0-9a-f]{40}$/);
  });

  it('parses tenant|commitMs|instance and refuses anything else', () => {
    expect(parseWake('acme|1700000000000|ab12')).toEqual({ tenant: 'acme', sentMs: 1700000000000, instance: 'ab12' });
    for (const bad of ['acme|1', 'ACME|1|x', 'acme|x|y', 'acme|1|x|extra', '|1|x']) expect(parseWake(bad)).toBeNull();
  });
});

describe.skipIf(!url)(`PostgreSQL: instances sharing one schema${url ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  let db: TestDb;
  let h: Harness;
  let other: ServerStorage;
  let admin: pg.Pool;
  const wakes: number[] = [];
  beforeEach(async () => {
    db = await backend.open();
    h = await createHarness(db);
    wakes.length = 0;
    // A second instance: its own pool and LISTEN connection on the same schema (the URL names it).
    other = await openPostgresStorage({ connectionString: db.cliEnv().DATABASE_URL!, onWake: (ms) => wakes.push(ms) });
    admin = new pg.Pool({ connectionString: url, max: 1 });
  });
  afterEach(async () => {
    await other.close();
    await admin.end();
    await db.dispose();
  });

  it('an item stored through one instance wakes the tenant’s waiting pulls on the other, with its commit-to-wake latency', async () => {
    const reviewer = await h.enroll({ role: 'reviewer' });
    const field = await h.enroll();
    let acme = 0;
    let globex = 0;
    const off = [other.subscribeFeed('acme', () => (acme += 1)), other.subscribeFeed('globex', () => (globex += 1))];
    const t0 = Date.now();
    const res = await h.batch(field, [makeItem({ keyScope: 'tenant' })]);
    expect(res.status).toBe(200);
    await until(() => acme > 0, 2000);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(globex).toBe(0);
    expect(wakes.length).toBeGreaterThan(0);
    for (const ms of wakes) expect(ms).toBeGreaterThanOrEqual(0);
    expect(Math.max(...wakes)).toBeLessThan(2000);
    // The woken instance sees the row (the pull it would answer).
    const page = await other.pullFeed({ tenant: 'acme', device: reviewer.id, rank: 2, since: 0, limit: 100, maxBytes: 1 << 20 });
    expect(page.rows.some((r) => r.kind === 'item')).toBe(true);
    off.forEach((f) => f());
  });

  it('an instance skips its own notifications (its pulls were woken in-process), and nothing is sent for a rolled-back write', async () => {
    let local = 0;
    const off = h.db.storage.subscribeFeed('acme', () => (local += 1));
    const field = await h.enroll();
    const before = local;
    await h.batch(field, [makeItem({ keyScope: 'tenant' })]);
    await new Promise((r) => setTimeout(r, 200));
    expect(local - before).toBe(1);
    // A write that never commits notifies nobody.
    let woke = 0;
    const off2 = other.subscribeFeed('acme', () => (woke += 1));
    const c = await admin.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT pg_notify($1, $2)`, [await channelOf(db), `acme|${Date.now()}|elsewhere`]);
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(woke).toBe(0);
    off();
    off2();
  });

  it('both instances are ready: database, schema and LISTEN connection', async () => {
    expect(await h.db.storage.readiness()).toEqual({ db: true, schema: true, listen: true });
    expect(await other.readiness()).toEqual({ db: true, schema: true, listen: true });
  });

  it('the LISTEN connection reconnects after it is killed, and wakes every waiting tenant once it is back', async () => {
    const feed = new FeedListeners();
    const errors: Error[] = [];
    const channel = await channelOf(db);
    const n = new FeedNotifier({
      connectionString: db.cliEnv().DATABASE_URL!,
      channel,
      feed,
      instance: 'test',
      onError: (e) => errors.push(e),
      backoff: { minMs: 20, maxMs: 100 },
    });
    await n.start();
    try {
      expect(n.connected).toBe(true);
      let woke = 0;
      feed.subscribe('acme', () => (woke += 1));
      const pid = n.backendPid!;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await until(() => n.connected && n.backendPid !== pid);
      expect(errors.length).toBeGreaterThan(0);
      expect(woke).toBe(1); // the reconnect's catch-up wake
      await admin.query('SELECT pg_notify($1, $2)', [channel, `acme|${Date.now()}|elsewhere`]);
      await until(() => woke === 2);
    } finally {
      await n.close();
    }
    expect(n.connected).toBe(false);
  });

  it('rate buckets are shared: two instances together grant one device its burst, not twice it; idle buckets are purged', async () => {
    let now = 1_000_000;
    const opts = { perSecond: 1, burst: 4 };
    const a = h.db.storage.rateLimiter!(opts, () => now);
    const b = other.rateLimiter!(opts, () => now);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).take('dev-1')));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, retryAfterMs: 1000 });
    expect((await a.take('dev-2')).ok).toBe(true); // per device
    now += 1000;
    expect((await b.take('dev-1')).ok).toBe(true);
    expect((await a.take('dev-1')).ok).toBe(false);
    now += 60_001; // dev-1 last seen a minute (and more than a full refill) ago
    await a.take('dev-3');
    await b.purge();
    expect((await db.query('SELECT key FROM rate_buckets ORDER BY key')).map((r) => r.key)).toEqual(['dev-3']);
  });

  it('batches holding the same new keys in opposite orders never deadlock (20 rounds): one row per key, every answer 200', async () => {
    const dev = await h.enroll();
    for (let round = 0; round < 20; round++) {
      const x = makeItem();
      const y = makeItem();
      const z = makeItem();
      const replies = await Promise.all([h.batch(dev, [x, y, z]), h.batch(dev, [z, y, x])]);
      expect(replies.map((r) => r.status)).toEqual([200, 200]);
      const bodies = (await Promise.all(replies.map((r) => r.json()))) as { results: { idempotencyKey: string; status: string }[] }[];
      for (const key of [x, y, z].map((i) => i.idempotencyKey)) {
        const statuses = bodies.map((b) => b.results.find((r) => r.idempotencyKey === key)!.status).sort();
        expect(statuses).toEqual(['accepted', 'duplicate']);
      }
    }
    expect(await h.count('sync_items')).toBe(60);
  });
});

async function channelOf(db: TestDb): Promise<string> {
  const p = new pg.Pool({ connectionString: db.cliEnv().DATABASE_URL!, max: 1 });
  try {
    return feedChannel((await p.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s);
  } finally {
    await p.end();
  }
}
