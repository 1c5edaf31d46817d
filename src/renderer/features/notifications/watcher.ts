// Watches what the main process pushes (runs.changed, team.changed, sync.status) and turns changes
// into notices (derive.ts). A baseline fetched at start (this device's runs, the tenant's waiting
// runs, the sync status) records what is already there, so only what happens after it notifies.
// Events are handled one at a time, in order, after the baseline.
import type { ChannelName, EventName, Events, Req, Res, SyncStatus } from '../../../shared/api/index';
import type { TeamRunView } from '../../../shared/team/views';
import type { RunStatus } from '../../../shared/workflow/types';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import { i18next } from '../../i18n';
import { workflowText } from '../runs/workflow-words';
import {
  approvalOutcome,
  blockedAlertIds,
  localChange,
  notice,
  SyncFailureClock,
  waitingForMe,
  waitKey,
  type Me,
  type Notice,
  type NotifyKind,
} from './derive';

export interface WatcherDeps {
  call<K extends ChannelName>(ch: K, input: Req<K>): Promise<Res<K>>;
  onEvent<K extends EventName>(name: K, cb: (p: Events[K]) => void): () => void;
  now(): number;
  me(): Me;
  prefs(): { off: readonly NotifyKind[]; syncDelayMin: number };
  deliver(n: Notice, now: number): void;
}

export interface WatcherTiming {
  /** How often the sync-failure delay is checked (0: only on sync.status and tick()). */
  tickMs: number;
  /** Pulls apply page by page, each with a team.changed: the tenant's waiting runs are read once they settle. */
  pullSettleMs: number;
}

interface KnownRun {
  status: RunStatus;
  workflow: string;
  startedBy: string;
}

export class NotificationWatcher {
  private readonly runs = new Map<string, KnownRun>();
  /** The loaded workflows by reference: a notice names a run's workflow in the language in use. */
  private readonly titles = new Map<string, WorkflowInfo>();
  private readonly seenWaits = new Set<string>();
  private readonly seenBlocks = new Set<number>();
  private readonly rejected = new Set<string>();
  private readonly sync = new SyncFailureClock();
  private queue: Promise<void> = Promise.resolve();
  private offs: (() => void)[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private pullTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly d: WatcherDeps,
    private readonly timing: WatcherTiming = { tickMs: 30_000, pullSettleMs: 300 },
  ) {}

  /** Fetches the baseline and subscribes; resolves once the baseline is in. */
  start(): Promise<void> {
    const ready = this.enqueue(() => this.baseline());
    this.offs = [
      this.d.onEvent('runs.changed', (e) => void this.enqueue(() => this.onRun(e.runId, e.status))),
      this.d.onEvent('team.changed', () => this.afterPull()),
      this.d.onEvent('sync.status', (s) => void this.enqueue(async () => this.onSync(s))),
    ];
    if (this.timing.tickMs > 0) this.timer = setInterval(() => void this.enqueue(async () => this.tick()), this.timing.tickMs);
    return ready;
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.offs) off();
    this.offs = [];
    if (this.timer) clearInterval(this.timer);
    if (this.pullTimer) clearTimeout(this.pullTimer);
  }

  /** Resolves when every event received so far is handled. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Checks the sync-failure delay now (the timer does this every tickMs). */
  tick(): void {
    const now = this.d.now();
    const minutes = this.d.prefs().syncDelayMin;
    const since = this.sync.due(now, minutes * 60_000);
    if (since !== null) this.emit(notice('syncFailing', `sync/${since}`, { minutes }));
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(() => (this.stopped ? undefined : job())).catch(() => {});
    return this.queue;
  }

  private afterPull(): void {
    if (this.timing.pullSettleMs <= 0) return void this.enqueue(() => this.onWaiting());
    this.pullTimer ??= setTimeout(() => {
      this.pullTimer = null;
      void this.enqueue(() => this.onWaiting());
    }, this.timing.pullSettleMs);
  }

  private emit(n: Notice): void {
    if (this.d.prefs().off.includes(n.kind)) return;
    this.d.deliver(n, this.d.now());
  }

  private title(workflow: string): string {
    const w = this.titles.get(workflow);
    return w ? workflowText(w, i18next.language).title : workflow;
  }

  private async baseline(): Promise<void> {
    const [workflows, local, waiting, sync] = await Promise.all([
      this.d.call('workflows.list', {}).catch(() => null),
      this.d.call('runs.list', { limit: 500 }).catch(() => null),
      this.tenantWaiting(),
      this.d.call('sync.status', {}).catch(() => null),
    ]);
    for (const w of workflows?.workflows ?? []) this.titles.set(w.workflow, w);
    if (local?.scope === 'device') for (const r of local.runs) this.runs.set(r.id, { status: r.status, workflow: r.workflow, startedBy: r.startedBy });
    for (const v of waiting) this.seenWaits.add(waitKey(v));
    if (sync) {
      for (const id of blockedAlertIds(sync.alerts)) this.seenBlocks.add(id);
      this.sync.observe(sync, this.d.now());
    }
  }

  /** This device's run changed: a decision arrived (here or pulled), and / or it finished. */
  private async onRun(runId: string, status: RunStatus): Promise<void> {
    const known = this.runs.get(runId);
    const change = localChange(known?.status, status);
    if (known) known.status = status;
    if (!change.decided && !change.finished && known) return;
    let run = known;
    let decision: ReturnType<typeof approvalOutcome> | null = null;
    if (change.decided || !known) {
      const got = await this.d.call('runs.get', { id: runId });
      if (got.scope !== 'device') return;
      run = { status, workflow: got.run.workflow, startedBy: got.run.startedBy };
      if (!known) this.runs.set(runId, run);
      if (change.decided) decision = approvalOutcome(got.run, got.cards);
      if (got.run.errorCode === 'REJECTED') this.rejected.add(runId);
    }
    if (!run || (change.finished === null && decision === null)) return;
    const me = this.d.me();
    if (me.profileId !== null && run.startedBy !== me.profileId) return;
    const ref = { device: null, runId };
    const workflow = this.title(run.workflow);
    if (decision) {
      if (decision.outcome === 'rejected') this.rejected.add(runId);
      this.emit(notice('approvalDecided', `decided/${runId}/${decision.cardId ?? decision.outcome}`, { outcome: decision.outcome, workflow, run: ref }));
    }
    // A rejected run is undone: the rejection said so already.
    if (change.finished && !this.rejected.has(runId)) this.emit(notice('runFinished', `finished/${runId}`, { outcome: change.finished, workflow, run: ref }));
  }

  private async tenantWaiting(): Promise<TeamRunView[]> {
    try {
      const res = await this.d.call('runs.list', { scope: 'tenant', status: 'awaiting_approval', limit: 200 });
      return res.scope === 'tenant' ? res.items : [];
    } catch {
      return [];
    }
  }

  /** After a pull: runs of the tenant that started waiting and may be decided by this person. */
  private async onWaiting(): Promise<void> {
    const fresh = (await this.tenantWaiting()).filter((v) => !this.seenWaits.has(waitKey(v)));
    for (const v of fresh) this.seenWaits.add(waitKey(v));
    const me = this.d.me();
    const mine = fresh.filter((v) => waitingForMe(v, me));
    const first = mine[0];
    if (!first) return;
    // Several runs that start waiting at once (a first pull) are one notice.
    if (mine.length === 1) {
      const run = { device: first.local ? null : first.device, runId: first.run.id };
      return this.emit(notice('runWaiting', `wait/${waitKey(first)}`, { workflow: this.title(first.run.workflow), run }));
    }
    this.emit(notice('runWaiting', `wait/${waitKey(first)}/+${mine.length - 1}`, { count: mine.length }));
  }

  private onSync(s: SyncStatus): void {
    this.sync.observe(s, this.d.now());
    for (const id of blockedAlertIds(s.alerts)) {
      if (this.seenBlocks.has(id)) continue;
      this.seenBlocks.add(id);
      this.emit(notice('deviceBlocked', `blocked/${id}`));
    }
    this.tick();
  }
}
