// The pull path (GET /v1/sync/changes): pages from this device's cursor; the cursor and the items
// applied commit together; a gap, or an item that does not decrypt or verify, stops the pull until
// someone skips it with a reason; a key version not yet wrapped for this device makes it wait. The
// live loop long-polls while enrolled.
import { ApiError } from '../../../shared/errors';
import { describeErrors, lazyValidator } from '../../../shared/validation';
import { CHANGES_PATH, type ChangesResponse, type DeviceCertificate } from '../../../shared/team/protocol';
import { changesResponseSchema } from '../../../shared/team/schemas';
import { learnServerKeysAudited, verifyByKey, type DeviceKeyRing } from '../../platform/device/server-keys';
import { isTransientStatus, NetworkError } from '../../platform/device/signed-fetch';
import type { SyncConfig } from '../../platform/device/sync-config';
import { SERVICE, type EncKeys, type Signer, type TeamCore } from './core';
import { msg } from '../../../shared/messages';
import type { CertStore } from './cert-store';
import type { FeedItems, ItemContext, ReceiptCheck } from './feed-items';
import type { KeyAdmin } from './key-admin';
import type { Inbox } from './inbox';

const PAGE_LIMIT = 500;

type PullResult = { applied: number; stopped: boolean };
type Stop = { seq: number; code: string; message: string };
type Op = { seq: number; apply: () => void };

/** One pull: this device's keys and where it stands. */
interface PullRun {
  cfg: SyncConfig;
  signer: Signer;
  serverKey: DeviceKeyRing;
  enc: EncKeys;
}

export class Puller {
  private pulling: Promise<PullResult> | null = null;
  private liveLoop: Promise<void> | null = null;
  private readonly changesValid = lazyValidator(changesResponseSchema);

  constructor(
    private readonly core: TeamCore,
    private readonly certs: CertStore,
    private readonly items: FeedItems,
    private readonly keys: KeyAdmin,
    private readonly inbox: Inbox,
  ) {}

  /** Whether a pull (the live loop's long poll, or another) is under way. */
  busy(): boolean {
    return this.pulling !== null;
  }

  /** Pull until the server has nothing more (or the pull stops). Serialized: one pull at a time. */
  pull(opts: { wait?: number } = {}): Promise<PullResult> {
    this.pulling ??= this.pullPages(opts.wait ?? 0).finally(() => {
      this.pulling = null;
    });
    return this.pulling;
  }

  private async pullPages(wait: number): Promise<PullResult> {
    const { d } = this.core;
    const cfg = this.core.config();
    if (!cfg) return { applied: 0, stopped: false };
    const signer = await this.core.signer();
    if (!signer) return { applied: 0, stopped: false };
    const run: PullRun = { cfg, signer, serverKey: this.core.serverKeys(), enc: await this.core.encryptionKeys(cfg) };
    await d.tenantKeys.loadAll(cfg.tenant);
    let total = 0;
    let fetchedKeys = false;
    let listing: ChangesResponse['bundles'];
    for (let page = 0; page < 100_000; page++) {
      const st = this.core.stateRow();
      if (st.stopped_seq !== null) return { applied: total, stopped: true };
      const res = await this.fetchPage(run, st.cursor, wait, page === 0);
      if (res === 'unreachable') return { applied: total, stopped: false };
      if (res === 'stopped') return { applied: total, stopped: true };
      listing = res.bundles ?? listing;
      // Keys the server introduced since this device's newest (sent only because this device asked).
      if (res.serverKeys) this.learnKeys(run, res.serverKeys);
      const n = await this.applyPage(run, res, st.cursor);
      total += n.applied;
      if (n.applied > 0 || n.stopped) this.core.changed(n.applied);
      await this.inbox.process(cfg);
      if (n.stopped && this.core.keyWait && !fetchedKeys) {
        // Its key may be wrapped for this device already, queued behind the items it unlocks.
        fetchedKeys = true;
        if ((await this.keys.fetchMyKeys(cfg, signer)) > 0) {
          await d.tenantKeys.loadAll(cfg.tenant);
          continue;
        }
      }
      if (n.stopped) return { applied: total, stopped: this.core.keyWait === null };
      if (!res.hasMore) break;
    }
    await this.bundles(listing);
    return { applied: total, stopped: false };
  }

  /** One page from the cursor; 'unreachable' when the server cannot be reached or refuses, 'stopped' when the page is malformed. */
  private async fetchPage(run: PullRun, cursor: number, wait: number, first: boolean): Promise<ChangesResponse | 'unreachable' | 'stopped'> {
    const path = `${CHANGES_PATH}?since=${cursor}&limit=${PAGE_LIMIT}${first && wait > 0 ? `&wait=${wait}` : ''}`;
    let reply;
    try {
      reply = await this.core.call(run.cfg, run.signer, 'GET', path, undefined, (wait + 30) * 1000);
      // An instance shutting down behind the balancer: after a short Retry-After, once more (re-signed).
      if (isTransientStatus(reply.status) && reply.retryAfterMs !== undefined && reply.retryAfterMs <= 5000) {
        await new Promise((resolve) => setTimeout(resolve, reply!.retryAfterMs));
        reply = await this.core.call(run.cfg, run.signer, 'GET', path, undefined, (wait + 30) * 1000);
      }
    } catch (e) {
      if (e instanceof NetworkError) {
        this.core.unreachable = true;
        return 'unreachable';
      }
      throw e;
    }
    this.core.unreachable = reply.status !== 200;
    if (reply.status !== 200) {
      // 502/503/504 are the server being away, not a refusal: the cursor stays, the next pull retries.
      if (isTransientStatus(reply.status)) this.core.d.logger.info('pull: server unavailable', { code: 'PULL_UNAVAILABLE', status: reply.status });
      else this.core.d.logger.warn('pull refused', { code: 'PULL_REFUSED', status: reply.status });
      return 'unreachable';
    }
    if (!this.changesValid(reply.body)) {
      this.core.stop(
        cursor + 1,
        'PULL_MALFORMED',
        `The server sent a malformed page: ${JSON.stringify(describeErrors(this.changesValid.errors)).slice(0, 300)}`,
      );
      return 'stopped';
    }
    return reply.body as ChangesResponse;
  }

  /** Policy and workflow bundles the server offers (listed on the pull's pages). */
  private async bundles(listing: ChangesResponse['bundles']): Promise<void> {
    const { d } = this.core;
    if (!listing || !d.onBundles) return;
    try {
      await d.onBundles(listing);
    } catch (e) {
      d.logger.warn('bundle updates from the pull failed', { code: 'BUNDLE_UPDATE_FAILED', err: (e as Error).message });
    }
  }

  /** Stores the keys a page carried when they verify against the pinned key (else an alert; nothing changes). */
  private learnKeys(run: PullRun, statements: NonNullable<ChangesResponse['serverKeys']>): void {
    const { d } = this.core;
    const r = learnServerKeysAudited(d, statements, SERVICE);
    if (!r.ok) d.alerts.alert('SERVER_KEYS_INVALID', msg('alerts.server_keys_invalid', { reason: r.reason }), '');
    else if (r.learned > 0) run.serverKey = this.core.serverKeys();
  }

  /** Checks and applies one page; cursor and applied items commit together. */
  private async applyPage(run: PullRun, res: ChangesResponse, cursor: number): Promise<PullResult> {
    const checked = await this.checkItems(run, res, cursor);
    const { ops } = checked;
    let stop = checked.stop;
    if (checked.receipts.length) {
      const ok = await verifyByKey(
        (key, items) => this.core.d.verifyPool.verifyAll(key, items),
        checked.receipts.map((r) => r.check),
      );
      const bad = ok.findIndex((x) => !x);
      if (bad >= 0) {
        const at = checked.receipts[bad]!.index;
        stop = { seq: ops[at]!.seq, code: 'PULL_RECEIPT_INVALID', message: 'The receipt of this item does not verify with a server key this device trusts' };
        ops.length = at;
      }
    }
    this.commit(ops, res, cursor, stop);
    // A key version this device has not been sent yet: not a fault. The pull waits at this item (the
    // cursor stays before it) and goes on once an admin device has wrapped the key for this device.
    if (stop?.code === 'PULL_KEY_MISSING') {
      this.core.keyWait = { seq: stop.seq, message: stop.message };
      return { applied: ops.length, stopped: true };
    }
    this.core.keyWait = null;
    if (stop) this.core.stop(stop.seq, stop.code, stop.message);
    return { applied: ops.length, stopped: stop !== null };
  }

  /** The page's items in order, each checked; the first that cannot be applied or refused stops the page there. */
  private async checkItems(
    run: PullRun,
    res: ChangesResponse,
    cursor: number,
  ): Promise<{ ops: Op[]; receipts: { index: number; check: ReceiptCheck }[]; stop: Stop | null }> {
    let stop: Stop | null = null;
    if (res.since !== cursor || res.until < res.since)
      stop = { seq: cursor + 1, code: 'PULL_GAP', message: `The page starts at ${res.since}, not at this device's cursor ${cursor}` };
    const ops: Op[] = [];
    const receipts: { index: number; check: ReceiptCheck }[] = [];
    const pageCerts = new Map<string, DeviceCertificate>();
    const latest = (device: string) => {
      const p = pageCerts.get(device);
      const s = this.certs.latest(device);
      return p && (!s || p.certVersion > s.certVersion) ? p : s;
    };
    const ctx: ItemContext = { cfg: run.cfg, serverKey: run.serverKey, latest, pageCerts, enc: run.enc };
    let prev = cursor;
    for (const it of stop ? [] : res.items) {
      if (it.seq <= prev || it.seq > res.until) {
        stop = { seq: it.seq, code: 'PULL_GAP', message: `Item ${it.seq} is out of order (after ${prev}, page until ${res.until})` };
        break;
      }
      prev = it.seq;
      const p = await this.items.prepare(ctx, it);
      if (!p.ok) {
        if (p.refuse) {
          const from = it.key?.body.wrappedBy ?? it.item?.from ?? null;
          ops.push({ seq: it.seq, apply: () => this.core.refuse(it.seq, it.kind === 'key' ? 'key' : 'item', from, null, p.code, p.message) });
          continue;
        }
        stop = { seq: it.seq, code: p.code, message: p.message };
        break;
      }
      if (p.receipt) receipts.push({ index: ops.length, check: p.receipt });
      ops.push({ seq: it.seq, apply: p.apply });
    }
    return { ops, receipts, stop };
  }

  private commit(ops: Op[], res: ChangesResponse, cursor: number, stop: Stop | null): void {
    const { db } = this.core.d;
    const now = this.core.now();
    db.transaction(() => {
      for (const op of ops) op.apply();
      const last = ops.length ? ops[ops.length - 1]!.seq : cursor;
      const next = stop ? last : Math.max(res.until, last);
      db.prepare('UPDATE team_state SET cursor = ?, applied = applied + ?, last_pull_at = ?, last_server_time = ? WHERE singleton = 1').run(
        next,
        ops.length,
        now,
        res.serverTime,
      );
    })();
  }

  /** team.skip: move past the item the pull stopped at (reason, audited). */
  skip(seq: number, reason: string): void {
    const { d } = this.core;
    const st = this.core.stateRow();
    if (st.stopped_seq !== seq)
      throw new ApiError('CONFLICT', st.stopped_seq === null ? 'The pull is not stopped' : `The pull is stopped at ${st.stopped_seq}, not ${seq}`, {
        reason: st.stopped_seq === null ? 'not_stopped' : 'stopped_elsewhere',
      });
    const actor = `user:${d.profile.require().id}`;
    d.db.transaction(() => {
      d.db
        .prepare('INSERT INTO team_refusals (at, seq, kind, from_device, subject, code, message) VALUES (?, ?, ?, NULL, NULL, ?, ?)')
        .run(this.core.now(), seq, 'item', st.stopped_code ?? 'SKIPPED', `Skipped by ${actor}: ${reason}`);
      d.db
        .prepare(
          'UPDATE team_state SET cursor = max(cursor, ?), stopped_seq = NULL, stopped_code = NULL, stopped_message = NULL, stopped_at = NULL WHERE singleton = 1',
        )
        .run(seq);
      d.alerts.resolve(String(seq));
      d.audit.append({
        actor,
        action: 'team.item_skipped',
        subject: String(seq),
        payload: { code: st.stopped_code, message: st.stopped_message, reason },
      });
    })();
    this.core.changed(0);
  }

  /** Long-poll the server while enrolled: approvals and new cards arrive within a second or two. */
  startLive(): void {
    if (this.core.live) return;
    this.core.live = true;
    this.liveLoop = (async () => {
      while (this.core.live) {
        const cfg = this.core.config();
        const ok = cfg ? await this.livePull() : false;
        if (!ok && this.core.live) await new Promise((r) => setTimeout(r, this.core.unreachable || !cfg ? 10_000 : 2_000).unref());
      }
    })();
  }

  /** One long poll; false when the loop should back off. */
  private async livePull(): Promise<boolean> {
    try {
      const started = Date.now();
      const r = await this.pull({ wait: 25 });
      // Offline, refused, stopped, waiting for a key, or an empty answer that did not wait: back off.
      return !this.core.unreachable && this.core.stateRow().stopped_seq === null && this.core.keyWait === null && (r.applied > 0 || Date.now() - started > 500);
    } catch (e) {
      this.core.d.logger.warn('live pull failed', { code: 'PULL_FAILED', err: (e as Error).message });
      return false;
    }
  }

  async stopLive(): Promise<void> {
    this.core.live = false;
    await this.liveLoop?.catch(() => {});
    this.liveLoop = null;
  }
}
