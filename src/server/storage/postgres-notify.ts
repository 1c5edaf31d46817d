// Cross-instance wake of long-polling pulls on PostgreSQL. Every transaction that appends team feed
// rows also runs pg_notify on the schema's channel (postgres-context.ts appendFeed): PostgreSQL
// delivers it only if the transaction commits, to every session that LISTENs, on every instance.
// Each instance keeps one dedicated connection outside the pool that LISTENs and tells the local
// FeedListeners, which wakes the waiting pulls of that tenant (they rescan; a spurious wake costs
// one query). Notifications sent while the connection is down are lost, so after a reconnect every
// waiting tenant is woken once. The channel is per schema because NOTIFY is database-wide and
// tests (and some deployments) keep several schemas in one database.
import pg from 'pg';
import { sha256Hex } from '../../platform/hash';
import type { FeedListeners } from './team';

const CHANNEL_PREFIX = 'maestro_feed_';
const SAFE_CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const TENANT = /^[a-z0-9][a-z0-9._-]*$/;

/** The schema's channel: readable when the schema name is a plain identifier, else a hash of it (63 bytes at most). */
export function feedChannel(schema: string): string {
  const plain = CHANNEL_PREFIX + schema;
  return SAFE_CHANNEL.test(plain) ? plain : CHANNEL_PREFIX + sha256Hex(schema).slice(0, 40);
}

/**
 * The payload appendFeed sends: `tenant|commitEpochMs|instance` (far under NOTIFY's 8000 bytes; a
 * tenant never contains `|`). The time is the sender's database clock just before commit, so the
 * receiver can measure the wake latency; the instance lets a server skip its own notifications
 * (its pulls were already woken in-process).
 */
export function parseWake(payload: string): { tenant: string; sentMs: number; instance: string } | null {
  const [tenant, sent, instance, extra] = payload.split('|');
  if (tenant === undefined || sent === undefined || instance === undefined || extra !== undefined) return null;
  if (!TENANT.test(tenant) || !/^\d{1,15}$/.test(sent)) return null;
  return { tenant, sentMs: Number(sent), instance };
}

export interface FeedNotifierOptions {
  connectionString: string;
  channel: string;
  feed: FeedListeners;
  /** This server's id in payloads: its own notifications are skipped. */
  instance: string;
  /** Each wake from another instance: milliseconds from its commit to now (the metrics histogram). */
  onWake?: (latencyMs: number) => void;
  /** The LISTEN connection failed or was lost (it reconnects by itself). */
  onError?: (err: Error) => void;
  /** A round trip on the connection this often, so a dead connection is noticed (default 10 s). */
  heartbeatMs?: number;
  /** Reconnect delays double from min to max (default 250 ms → 5 s). */
  backoff?: { minMs: number; maxMs: number };
}

/** One LISTEN connection per server, reconnecting with backoff. */
export class FeedNotifier {
  private client: pg.Client | null = null;
  private closed = false;
  private everConnected = false;
  private attempt = 0;
  private retry: NodeJS.Timeout | null = null;
  private beat: NodeJS.Timeout | null = null;
  private readonly dropped = new WeakSet<pg.Client>();

  constructor(private readonly opts: FeedNotifierOptions) {
    if (!SAFE_CHANNEL.test(opts.channel)) throw new Error(`Invalid notification channel ${opts.channel}`);
  }

  /** True while the LISTEN connection is up (for /readyz). */
  get connected(): boolean {
    return this.client !== null;
  }

  /** The LISTEN connection's backend pid (tests end it to exercise the reconnect); null when down. */
  get backendPid(): number | null {
    return (this.client as (pg.Client & { processID?: number }) | null)?.processID ?? null;
  }

  /** The first connection attempt; a failure is reported and retried in the background. */
  start(): Promise<void> {
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.beat) clearInterval(this.beat);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.opts.connectionString, keepAlive: true, application_name: 'maestro-listen' });
    client.on('notification', (n) => this.onNotification(n));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.opts.channel}`);
    } catch (err) {
      this.lost(client, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.closed || this.dropped.has(client)) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.attempt = 0;
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.heartbeat(client);
    // Notifications sent while the connection was down are gone: every waiting pull rescans once.
    if (reconnected) this.opts.feed.notifyAll();
  }

  private heartbeat(client: pg.Client): void {
    if (this.beat) clearInterval(this.beat);
    const every = this.opts.heartbeatMs ?? 10_000;
    this.beat = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`LISTEN connection did not answer in ${every} ms`)), every);
      });
      Promise.race([client.query('SELECT 1'), late])
        .catch((err: unknown) => this.lost(client, err instanceof Error ? err : new Error(String(err))))
        .finally(() => clearTimeout(timer));
    }, every);
    this.beat.unref();
  }

  /** A connection failed or ended: drop it (once) and schedule the next attempt. */
  private lost(client: pg.Client, err: Error | null): void {
    if (this.dropped.has(client)) return;
    this.dropped.add(client);
    client.removeAllListeners();
    client.on('error', () => {}); // a late error from a dropped client must not crash the process
    if (this.client === client) {
      this.client = null;
      if (this.beat) clearInterval(this.beat);
      this.beat = null;
    }
    void client.end().catch(() => {});
    if (err) this.opts.onError?.(err);
    if (this.closed || this.retry) return;
    const { minMs, maxMs } = this.opts.backoff ?? { minMs: 250, maxMs: 5000 };
    const delay = Math.min(maxMs, minMs * 2 ** this.attempt);
    this.attempt += 1;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, delay);
    this.retry.unref();
  }

  private onNotification(n: pg.Notification): void {
    if (n.channel !== this.opts.channel || n.payload === undefined) return;
    const wake = parseWake(n.payload);
    if (!wake || wake.instance === this.opts.instance) return;
    this.opts.feed.notify(wake.tenant);
    this.opts.onWake?.(Math.max(0, Date.now() - wake.sentMs));
  }
}
