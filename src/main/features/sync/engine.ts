// The sync engine: enrollment, a run and the background tick. The pieces: ./enroll.ts,
// ./pipeline.ts (the run loop), ./seal.ts, ./batch.ts, ./server-word.ts, ./contract-sync.ts; alerts in ./alerts.ts.
import { AuditMerkle } from '../../platform/audit/merkle';
import { fetchTransport, NetworkError, nodeTransport, sendJson } from '../../platform/device/signed-fetch';
import { readSyncConfig, type SyncConfig } from '../../platform/device/sync-config';
import { loadDeviceCredential, type DeviceSigner } from '../../platform/device/credential';
import { pinnedRing, readServerKeyRing, type DeviceKeyRing } from '../../platform/device/server-keys';
import type { SyncStatus } from '../../../shared/api/types';
import type { AuditAnchorWire } from '../../../shared/sync/protocol';
import { rotateDeviceKey, type RotateResult } from './rotate-key';
import { readServerStatus, type ServerDeviceStatus } from './server-status';
import { enrollDevice } from './enroll';
import { sendAll } from './pipeline';
import { prepareUnits } from './unit';
import { Transfers } from './transfers';
import { fetchAttachment } from './fetch';
import { ApiError } from '../../../shared/errors';
import { messageForLog, msg, type Message } from '../../../shared/messages';
import { errorAsMessage } from './errors';
import { updateContracts } from './contract-sync';
import type { EngineCtx, RunState, RunSummary, SyncDeps } from './context';
import type { OutboxRow } from './ports';

export type { SyncDeps, RunSummary } from './context';

const ANCHOR_MAX_ENTRIES = 20_000;
/** A connection failure this quick is a refused or reset connection, not a time-out: worth one more try. */
const FAST_FAILURE_MS = 1000;
/** How often the background tick asks a server that blocked this device whether it still does. */
export const BLOCKED_PROBE_MS = 5 * 60_000;

/**
 * The device half of exactly-once sync. Items stay `queued` until a receipt signed by the pinned
 * server key is verified, so a crash or a lost response only means the same bytes are sent again
 * under the same idempotency key, and the server answers with the original receipt.
 */
export class SyncEngine {
  private running: Promise<RunSummary> | null = null;
  private readonly state: RunState = { phase: 'idle', reachable: null, lastError: null, progress: null, anchorFrom: null };
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly ctx: EngineCtx;
  /** The audit Merkle tree (shared with the batch code through ctx; the tests forge its root here). */
  private readonly merkle: AuditMerkle;
  /** Attachment uploads and downloads: progress and pause (./transfers.ts). */
  readonly transfers: Transfers;
  private readonly fetching: Map<string, Promise<{ hash: string; size: number; ref: string }>>;

  constructor(private readonly d: SyncDeps) {
    this.merkle = new AuditMerkle(d.db);
    this.transfers = new Transfers(d.events, d.clock, d.db);
    this.fetching = new Map();
    this.ctx = {
      d,
      fetchFn: d.fetch ?? fetch,
      bytes: d.fetch ? fetchTransport(d.fetch) : nodeTransport,
      merkle: this.merkle,
      state: this.state,
      now: () => this.d.clock.now().toISOString(),
    };
  }

  config(): SyncConfig | null {
    return readSyncConfig(this.d.db);
  }

  async status(): Promise<SyncStatus> {
    const cfg = this.config();
    const store = await this.d.secrets();
    const anchor = this.d.audit.lastAnchor();
    const alerts = this.d.alerts.open();
    let phase = this.state.phase;
    if (!cfg) phase = 'not_enrolled';
    else if (store.isLocked()) phase = 'locked';
    return {
      phase,
      enrolled: cfg && {
        serverUrl: cfg.serverUrl,
        deviceId: cfg.deviceId,
        tenant: cfg.tenant,
        user: cfg.user,
        roles: cfg.roles,
        serverKeyId: cfg.serverKeyId,
        enrolledAt: cfg.enrolledAt,
      },
      reachable: this.state.reachable,
      lastSyncAt: cfg?.lastSyncAt ?? null,
      lastError: this.state.lastError,
      counts: this.d.outbox.counts(),
      progress: this.state.progress,
      keyStore: { kind: store.kind, locked: store.isLocked(), note: store.describe() },
      alerts,
      anchor: anchor ?? null,
    };
  }

  private async publish(): Promise<void> {
    this.d.events.emit('sync.status', await this.status());
  }

  alert(code: string, message: Message, subject = ''): void {
    this.d.alerts.raise(code, message, subject);
  }

  async enroll(serverUrl: string, token: string): Promise<SyncConfig> {
    const cfg = await enrollDevice(this.ctx, serverUrl, token);
    void this.publish().catch(() => {});
    return cfg;
  }

  /** Replaces this device's signing key (features/sync/rotate-key.ts): the server accepts it first, then the device switches. */
  rotateDeviceKey(): Promise<RotateResult> {
    return rotateDeviceKey(this.d, this.ctx.fetchFn);
  }

  private anchor(): AuditAnchorWire | undefined {
    const last = this.d.audit.lastAnchor();
    const from = Math.min(last?.seq ?? 0, this.state.anchorFrom ?? Infinity);
    const entries = this.d.audit.linksAfter(from, ANCHOR_MAX_ENTRIES);
    const tail = entries[entries.length - 1];
    if (!tail) return undefined;
    // The Merkle tree head at the new head, for the server to countersign (inclusion proofs later).
    return { entries, head: { seq: tail.seq, hash: tail.hash }, tree: { size: tail.seq, root: this.merkle.root(tail.seq) } };
  }

  /** Send everything due; resolves when the queue is drained, the server is unreachable, or an error stops the run. */
  syncNow(opts: { force?: boolean } = {}): Promise<RunSummary> {
    if (opts.force) this.d.outbox.makeAllDue();
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The signer and the server key, or the summary of a run that cannot start. */
  private async prepareRun(summary: RunSummary): Promise<{ cfg: SyncConfig; signer: DeviceSigner; ring: DeviceKeyRing } | RunSummary> {
    const c = await loadDeviceCredential(this.d);
    if (!c.ok && c.reason === 'not_enrolled') return { ...summary, phase: 'not_enrolled' };
    if (!c.ok && c.reason === 'locked') return { ...summary, phase: 'locked' };
    if (!c.ok) {
      this.alert('DEVICE_KEY_MISSING', msg('errors.CONFLICT.key_missing', { store: c.store.kind }));
      this.state.phase = 'error';
      return { ...summary, phase: 'error' };
    }
    return { cfg: c.cfg, signer: c.signer, ring: readServerKeyRing(this.d.db) ?? pinnedRing(c.cfg.serverKeyId, c.cfg.serverPublicKey) };
  }

  private async run(): Promise<RunSummary> {
    const summary: RunSummary = { batches: 0, acked: 0, failed: 0, blocked: 0, phase: 'idle' };
    const prep = await this.prepareRun(summary);
    if ('phase' in prep) return prep;
    // Team sync first: certificate and encryption key, tenant keys (an admin creates or wraps them),
    // and a pull, so a device that just received its wrapped key seals and sends in this same run.
    await this.prepareTeam();
    this.state.phase = 'syncing';
    this.state.lastError = null;
    this.state.progress = { itemsTotal: this.d.outbox.dueCount(), itemsDone: 0, bytesTotal: 0, bytesDone: 0 };
    await this.publish();
    try {
      const hooks = { anchor: () => this.anchor(), units: (ready: OutboxRow[]) => this.units(prep.cfg, prep.signer, ready), publish: () => this.publish() };
      await sendAll(this.ctx, hooks, prep.cfg, prep.signer, readServerKeyRing(this.d.db) ?? prep.ring, summary);
      if (this.state.phase === 'syncing') this.state.phase = 'idle';
      if (summary.batches > 0 && this.state.phase === 'idle') await updateContracts(this.ctx, prep.signer);
      if (this.state.phase === 'idle') await this.afterSync();
    } catch (e) {
      this.state.phase = 'error';
      this.state.lastError = errorAsMessage(e);
      this.d.logger.error('sync run failed', { code: 'SYNC_FAILED', err: messageForLog(this.state.lastError) });
    } finally {
      this.state.progress = null;
      await this.publish();
    }
    return { ...summary, phase: this.state.phase };
  }

  /**
   * team.prepare, once more when it failed at once for want of a connection: the first request after
   * an idle spell can go out on a pooled keep-alive socket the server has just closed (seen when the
   * event loop was busy for seconds), and without the pull the run would not know whether the tenant
   * has a key, so every item would wait for one. A server that is really away fails the retry too.
   */
  private async prepareTeam(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      try {
        await this.d.team.prepare();
        return;
      } catch (e) {
        if (e instanceof NetworkError && attempt === 0 && Date.now() - started < FAST_FAILURE_MS) continue;
        if (!(e instanceof NetworkError)) this.d.logger.warn('team sync preparation failed', { code: 'TEAM_PREPARE_FAILED', err: (e as Error).message });
        return;
      }
    }
  }

  private async afterSync(): Promise<void> {
    try {
      await this.d.team.afterSync();
    } catch (e) {
      if (!(e instanceof NetworkError)) this.d.logger.warn('team key maintenance failed', { code: 'TEAM_KEYS_FAILED', err: (e as Error).message });
    }
  }

  /** Download another device's attachment (reviewers open it lazily); one download per file at a time. */
  fetchAttachment(device: string, hash: string): Promise<{ hash: string; size: number; ref: string }> {
    const key = `${device}:${hash}`;
    let p = this.fetching.get(key);
    if (!p) {
      p = (async () => {
        const c = await loadDeviceCredential(this.d);
        if (!c.ok)
          throw new ApiError('CONFLICT', `Cannot fetch attachments: ${c.reason === 'locked' ? 'the key store is locked' : 'this device is not enrolled'}`, {
            reason: c.reason,
          });
        return fetchAttachment(this.ctx, { cfg: c.cfg, signer: c.signer, device, hash, transfers: this.transfers });
      })().finally(() => this.fetching.delete(key));
      this.fetching.set(key, p);
    }
    return p;
  }

  /** Resume a paused upload: it goes on from the first chunk the server lacks, in a run started now. */
  resumeUpload(hash: string): void {
    this.transfers.resume(hash);
    void this.syncNow({ force: true }).catch(() => {});
  }

  /** Attachment uploads before the batch (./unit.ts); null when the server went away (offline). */
  private async units(cfg: SyncConfig, signer: DeviceSigner, ready: OutboxRow[]): Promise<OutboxRow[] | null> {
    try {
      return await prepareUnits(this.ctx, { cfg, signer, transfers: this.transfers }, ready);
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      this.state.reachable = false;
      this.state.phase = 'offline';
      this.state.lastError = errorAsMessage(e);
      return null;
    }
  }

  /** The server's last known status of this device (null until a reply or refusal said anything). */
  serverStatus(): ServerDeviceStatus | null {
    return readServerStatus(this.d.db);
  }

  /** Probe the server's /healthz; sync when it answers and items are due. */
  async tick(): Promise<void> {
    const cfg = this.config();
    if (!cfg) return;
    try {
      const r = await sendJson(this.ctx.fetchFn, cfg.serverUrl, 'GET', '/healthz', undefined, undefined, 5_000);
      this.state.reachable = r.status === 200 || r.status === 503;
    } catch {
      this.state.reachable = false;
    }
    // A blocked device is asked again every BLOCKED_PROBE_MS, items due or not, so an unblock is
    // noticed without hammering a server that refuses it ("Sync now" always tries).
    const st = readServerStatus(this.d.db);
    const due = st?.blocked ? this.d.clock.now().getTime() - Date.parse(st.at) >= BLOCKED_PROBE_MS : this.d.outbox.due(1).length > 0;
    if (this.state.reachable && due) await this.syncNow();
    else await this.publish();
  }

  start(intervalMs = 15_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch(() => {}), intervalMs);
    this.timer.unref();
    void this.tick().catch(() => {});
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
