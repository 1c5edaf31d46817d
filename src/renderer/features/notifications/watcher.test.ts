// The notification watcher against a fake API and a fake Notification: the baseline, each kind's
// rule (approval arrived, run waiting for me with four eyes, run finished, sync failing past the
// delay, device blocked), the per-kind switches, permission denied, and no PII in what the OS shows.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '../../../shared/api/index';
import type { TeamRunView } from '../../../shared/team/views';
import type { DecisionCard, RunStatus } from '../../../shared/workflow/types';
import type { RunSummary } from '../../../shared/workflow/views';

vi.mock('../../api/client', () => ({
  call: () => Promise.reject(new Error('not used here')),
  onEvent: () => () => {},
  hostKind: 'web',
}));

const { initI18n, i18next, LOCALES } = await import('../../i18n');
const { NotificationWatcher } = await import('./watcher');
const { deliver } = await import('./deliver');
const { useNotifications } = await import('./notifications-store');
const { noticeText } = await import('./words');
const { notice, NOTIFY_KINDS } = await import('./derive');
const { useApp } = await import('../../app-store');
type Me = import('./derive').Me;
type NotifyKind = import('./derive').NotifyKind;
type WatcherDeps = import('./watcher').WatcherDeps;

const ME = 'prof_dana';
const WF = 'site-inspection-report@1.0.0';
// What must never reach a notification: the record's values (in the run's title), people's names.
const PII = ['RPT-2026-103', 'PS-11', 'Dana Demo', 'Dana Field', 'rita@acme', 'Rita', 'Valve replacement booked', ME];

class FakeNotification {
  static permission: NotificationPermission = 'granted';
  static shown: FakeNotification[] = [];
  static requestPermission = vi.fn(async () => FakeNotification.permission);
  onclick: (() => void) | null = null;
  closed = false;
  constructor(
    readonly title: string,
    readonly options: NotificationOptions = {},
  ) {
    FakeNotification.shown.push(this);
  }
  close() {
    this.closed = true;
  }
}

const run = (id: string, status: RunStatus, p: Partial<RunSummary> = {}): RunSummary => ({
  id,
  workflow: WF,
  title: 'Site inspection report · RPT-2026-103 · Dana Demo',
  status,
  startedBy: ME,
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
  finishedAt: null,
  currentStep: null,
  progress: { done: 1, total: 5 },
  budgets: { tokens: 1000, wallTimeMs: 60000, costCents: 100 },
  used: { tokens: 0, costCents: 0, wallTimeMs: 0 },
  lane: 'RED',
  error: null,
  ...p,
});

const decideCard = (runId: string, status: 'approved' | 'rejected', id = 'card_dec1'): DecisionCard =>
  ({
    id,
    kind: 'approval.decide',
    runId,
    stepId: null,
    subject: `Site inspection report · RPT-2026-103 · ${status === 'approved' ? 'approval' : 'rejection'} by rita@acme`,
    createdAt: '2026-11-20T11:00:00.000Z',
    rationale: 'Approved by rita@acme (reviewer): Valve replacement booked',
    status,
    approval: { state: status, by: 'rita@acme', at: '2026-11-20T11:00:00.000Z', comment: 'Valve replacement booked' },
  }) as unknown as DecisionCard;

const teamRun = (device: string, id: string, p: Partial<TeamRunView> = {}, r: Partial<RunSummary> = {}): TeamRunView => ({
  device,
  user: 'ada@acme',
  local: false,
  run: run(id, 'awaiting_approval', { startedBy: 'prof_ada', ...r }),
  awaitingCard: `card_wait_${id}`,
  receivedAt: '2026-11-20T10:01:00.000Z',
  decision: null,
  ...p,
});

const syncStatus = (p: Partial<SyncStatus> = {}): SyncStatus =>
  ({
    phase: 'idle',
    enrolled: { serverUrl: 'http://s', deviceId: 'dev_field', tenant: 'acme', user: 'dana@acme', roles: ['field'], serverKeyId: 'k', enrolledAt: '2026-11-01' },
    reachable: true,
    lastSyncAt: '2026-11-20T09:00:00.000Z',
    lastError: null,
    alerts: [],
    ...p,
  }) as SyncStatus;

interface World {
  runs: RunSummary[];
  cards: Record<string, DecisionCard[]>;
  tenant: TeamRunView[];
  sync: SyncStatus;
}

function setup(init: Partial<World> = {}, who: Partial<Me> = {}) {
  const world: World = { runs: [], cards: {}, tenant: [], sync: syncStatus(), ...init };
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let now = Date.parse('2026-11-20T12:00:00.000Z');
  const me: Me = { profileId: ME, canDecide: false, fourEyes: true, ...who };
  const prefs = { off: [] as NotifyKind[], syncDelayMin: 30 };
  const call = async (ch: string, input: Record<string, unknown>): Promise<unknown> => {
    if (ch === 'workflows.list') return { workflows: [{ workflow: WF, title: 'Site inspection report' }], problems: [] };
    if (ch === 'runs.list' && input.scope === 'tenant')
      return { scope: 'tenant', items: world.tenant.filter((v) => v.run.status === input.status), nextBefore: null, asOf: null };
    if (ch === 'runs.list') return { scope: 'device', runs: world.runs, nextBeforeId: null };
    if (ch === 'runs.get') {
      const r = world.runs.find((x) => x.id === input.id);
      if (!r) throw new Error('NOT_FOUND');
      return { scope: 'device', run: { ...r, steps: [] }, cards: world.cards[r.id] ?? [] };
    }
    if (ch === 'sync.status') return world.sync;
    throw new Error(`unexpected ${ch}`);
  };
  const deps: WatcherDeps = {
    call: call as WatcherDeps['call'],
    onEvent: ((name: string, cb: (p: unknown) => void) => {
      const set = listeners.get(name) ?? new Set();
      set.add(cb);
      listeners.set(name, set);
      return () => set.delete(cb);
    }) as WatcherDeps['onEvent'],
    now: () => now,
    me: () => me,
    prefs: () => prefs,
    deliver,
  };
  const watcher = new NotificationWatcher(deps, { tickMs: 0, pullSettleMs: 0 });
  const emit = async (name: string, payload: unknown) => {
    for (const cb of listeners.get(name) ?? []) cb(payload);
    await watcher.settled();
  };
  const setStatus = (id: string, status: RunStatus, p: Partial<RunSummary> = {}) => {
    world.runs = world.runs.map((r) => (r.id === id ? { ...r, status, ...p } : r));
    return emit('runs.changed', { runId: id, status });
  };
  return {
    world,
    me,
    prefs,
    watcher,
    emit,
    setStatus,
    advance: (ms: number) => (now += ms),
    items: () => useNotifications.getState().items,
  };
}

const shownText = () => FakeNotification.shown.map((n) => `${n.title}\n${n.options.body ?? ''}`);

beforeAll(() => {
  initI18n('en');
  vi.stubGlobal('Notification', FakeNotification);
  vi.stubGlobal('window', { focus: vi.fn() });
});
afterAll(() => vi.unstubAllGlobals());
beforeEach(async () => {
  await i18next.changeLanguage('en');
  FakeNotification.permission = 'granted';
  FakeNotification.shown = [];
  useNotifications.setState({ items: [] });
});

describe('baseline: nothing already there notifies', () => {
  it('runs waiting or finished, runs already waiting for me, an old block and a failing sync stay quiet', async () => {
    const t = setup(
      {
        runs: [run('run_a', 'awaiting_approval'), run('run_b', 'succeeded'), run('run_c', 'failed')],
        tenant: [teamRun('dev_other', 'run_x')],
        sync: syncStatus({
          phase: 'error',
          lastError: 'server unreachable',
          alerts: [{ id: 7, at: '', code: 'DEVICE_BLOCKED', message: 'blocked', subject: 'dev' }],
        }),
      },
      { canDecide: true },
    );
    await t.watcher.start();
    await t.emit('team.changed', { cursor: 3, applied: 1, stopped: false });
    await t.emit('sync.status', t.world.sync);
    await t.emit('runs.changed', { runId: 'run_b', status: 'succeeded' });
    await t.emit('runs.changed', { runId: 'run_a', status: 'awaiting_approval' });
    expect(t.items()).toEqual([]);
    expect(FakeNotification.shown).toEqual([]);
  });
});

describe('a run you started', () => {
  it('approved by a reviewer (pulled): "Your run was approved", then finished; the workflow title only, ids in the list', async () => {
    const t = setup({ runs: [run('run_a', 'awaiting_approval')] });
    await t.watcher.start();
    t.world.cards.run_a = [decideCard('run_a', 'approved')];
    await t.setStatus('run_a', 'running');
    await t.setStatus('run_a', 'succeeded');
    expect(shownText()).toEqual([
      'Your run was approved\nSite inspection report: a reviewer approved it, and the run goes on.',
      'Your run finished\nSite inspection report completed.',
    ]);
    const [finished, approved] = t.items();
    expect(approved).toMatchObject({ kind: 'approvalDecided', outcome: 'approved', run: { device: null, runId: 'run_a' }, read: false, shown: true });
    expect(finished).toMatchObject({ kind: 'runFinished', outcome: 'succeeded' });
    for (const s of shownText()) for (const p of PII) expect(s).not.toContain(p);
  });

  it('rejected: one "Your run was rejected", and no "did not finish" for the undo that follows', async () => {
    const t = setup({ runs: [run('run_a', 'awaiting_approval')] });
    await t.watcher.start();
    t.world.cards.run_a = [decideCard('run_a', 'rejected')];
    await t.setStatus('run_a', 'compensating', { errorCode: 'REJECTED' });
    await t.setStatus('run_a', 'rolled_back');
    expect(shownText()).toEqual(['Your run was rejected\nSite inspection report: a reviewer rejected it, so the run stops and its finished steps are undone.']);
  });

  it('a run started after the baseline that fails: "Your run did not finish"; another profile’s run: nothing', async () => {
    const t = setup();
    await t.watcher.start();
    t.world.runs.push(run('run_new', 'running'), run('run_theirs', 'running', { startedBy: 'prof_other' }));
    await t.emit('runs.changed', { runId: 'run_new', status: 'running' });
    await t.setStatus('run_new', 'failed');
    await t.emit('runs.changed', { runId: 'run_theirs', status: 'running' });
    await t.setStatus('run_theirs', 'succeeded');
    expect(t.items().map((i) => [i.kind, i.outcome, i.run?.runId])).toEqual([['runFinished', 'failed', 'run_new']]);
    expect(shownText()).toEqual(['Your run did not finish\nSite inspection report failed or was undone. Open it to see why.']);
  });

  it('without a decision card the outcome follows the run: running is approved', async () => {
    const t = setup({ runs: [run('run_a', 'awaiting_approval')] });
    await t.watcher.start();
    await t.setStatus('run_a', 'running');
    expect(t.items()[0]).toMatchObject({ kind: 'approvalDecided', outcome: 'approved' });
  });
});

describe('a run waiting for you', () => {
  const pulled = (t: ReturnType<typeof setup>) => t.emit('team.changed', { cursor: 9, applied: 2, stopped: false });

  it('a reviewer is told once when another device’s run starts waiting; clicking it opens that run', async () => {
    const t = setup({}, { canDecide: true });
    await t.watcher.start();
    t.world.tenant.push(teamRun('dev_ada', 'run_x'));
    await pulled(t);
    await pulled(t);
    expect(t.items()).toHaveLength(1);
    expect(t.items()[0]).toMatchObject({ kind: 'runWaiting', count: 1, run: { device: 'dev_ada', runId: 'run_x' } });
    expect(shownText()).toEqual(['A run is waiting for your approval\nSite inspection report: open it to approve or reject.']);
    FakeNotification.shown[0]!.onclick?.();
    expect(window.focus).toHaveBeenCalled();
    expect(FakeNotification.shown[0]!.closed).toBe(true);
    expect(useApp.getState().view).toBe('runs');
  });

  it('four eyes: not your own run (this device’s, or started by your profile); without four eyes it is', async () => {
    const t = setup({}, { canDecide: true });
    await t.watcher.start();
    t.world.tenant.push(teamRun('dev_me', 'run_mine', { local: true }, { startedBy: ME }), teamRun('dev_other', 'run_mine2', {}, { startedBy: ME }));
    await pulled(t);
    expect(t.items()).toEqual([]);

    const u = setup({}, { canDecide: true, fourEyes: false });
    await u.watcher.start();
    u.world.tenant.push(teamRun('dev_me', 'run_mine3', { local: true }, { startedBy: ME }));
    await pulled(u);
    expect(u.items()[0]).toMatchObject({ kind: 'runWaiting', run: { device: null, runId: 'run_mine3' } });
  });

  it('a field role is not told; nor is anyone about a run decided from here already (a refused decision may be made again)', async () => {
    const t = setup({}, { canDecide: false });
    await t.watcher.start();
    t.world.tenant.push(teamRun('dev_ada', 'run_x'));
    await pulled(t);
    expect(t.items()).toEqual([]);

    const u = setup({}, { canDecide: true });
    await u.watcher.start();
    const decision = { state: 'queued' as const, decision: 'approved' as const, at: '', message: null };
    u.world.tenant.push(teamRun('dev_ada', 'run_q', { decision }), teamRun('dev_ada', 'run_r', { decision: { ...decision, state: 'refused' } }));
    await pulled(u);
    expect(u.items().map((i) => i.run?.runId)).toEqual(['run_r']);
  });

  it('several at once (a first pull) are one notice with their number; a run waiting again on a new card notifies again', async () => {
    const t = setup({}, { canDecide: true });
    await t.watcher.start();
    t.world.tenant.push(teamRun('dev_ada', 'run_1'), teamRun('dev_ada', 'run_2'), teamRun('dev_bo', 'run_3'));
    await pulled(t);
    expect(shownText()).toEqual(['3 runs are waiting for your approval\nOpen Runs to approve or reject them.']);
    expect(t.items()[0]).toMatchObject({ count: 3, run: null });
    t.world.tenant[0] = { ...t.world.tenant[0]!, awaitingCard: 'card_second_review' };
    await pulled(t);
    expect(t.items()).toHaveLength(2);
  });
});

describe('sync failing and a blocked device', () => {
  it('notifies once sync has failed for the delay (30 min), retries do not restart the clock, success does', async () => {
    const t = setup();
    await t.watcher.start();
    const failing = syncStatus({ phase: 'offline', lastError: 'fetch failed' });
    await t.emit('sync.status', failing);
    t.advance(20 * 60_000);
    await t.emit('sync.status', syncStatus({ phase: 'syncing' }));
    await t.emit('sync.status', failing);
    t.advance(9 * 60_000);
    t.watcher.tick();
    expect(t.items()).toEqual([]);
    t.advance(60_000);
    t.watcher.tick();
    t.watcher.tick();
    expect(shownText()).toEqual(['Sync has been failing\nThis device has not managed to sync for over 30 minutes. Check the connection, or open the Outbox.']);
    await t.emit('sync.status', syncStatus());
    await t.emit('sync.status', failing);
    t.prefs.syncDelayMin = 5;
    t.advance(5 * 60_000);
    t.watcher.tick();
    expect(t.items().map((i) => [i.kind, i.minutes])).toEqual([
      ['syncFailing', 5],
      ['syncFailing', 30],
    ]);
  });

  it('a new block (DEVICE_BLOCKED alert) notifies once; a device not enrolled never counts as failing', async () => {
    const t = setup();
    await t.watcher.start();
    const blocked = syncStatus({
      phase: 'error',
      lastError: 'blocked',
      alerts: [{ id: 12, at: '', code: 'DEVICE_BLOCKED', message: 'This device was blocked by an administrator: lost', subject: 'dev' }],
    });
    await t.emit('sync.status', blocked);
    await t.emit('sync.status', blocked);
    expect(shownText()).toEqual(['This device is blocked\nAn administrator blocked this device. Contact your admin; your data stays on this device.']);
    for (const s of shownText()) expect(s).not.toContain('lost');

    useNotifications.setState({ items: [] });
    const u = setup({ sync: syncStatus({ enrolled: null, phase: 'not_enrolled' }) });
    await u.watcher.start();
    await u.emit('sync.status', syncStatus({ enrolled: null, phase: 'error', lastError: 'x' }));
    u.advance(60 * 60_000);
    u.watcher.tick();
    expect(u.items()).toEqual([]);
  });
});

describe('choices and permission', () => {
  it('a kind switched off notifies neither the OS nor the list, and switching it on later replays nothing', async () => {
    const t = setup({ runs: [run('run_a', 'running')] });
    t.prefs.off = ['runFinished'];
    await t.watcher.start();
    await t.setStatus('run_a', 'succeeded');
    expect(t.items()).toEqual([]);
    t.prefs.off = [];
    await t.setStatus('run_a', 'succeeded');
    expect(t.items()).toEqual([]);
  });

  it('permission denied: the in-app list still gets it, the OS is not asked to show anything', async () => {
    FakeNotification.permission = 'denied';
    const t = setup({ runs: [run('run_a', 'running')] });
    await t.watcher.start();
    await t.setStatus('run_a', 'succeeded');
    expect(FakeNotification.shown).toEqual([]);
    expect(t.items()[0]).toMatchObject({ kind: 'runFinished', shown: false });
  });
});

describe('words', () => {
  it('every kind has words in every language, without raw keys, with the workflow title and nothing else of the run', async () => {
    const kinds: Record<NotifyKind, Parameters<typeof notice>[2][]> = {
      approvalDecided: [{ outcome: 'approved' }, { outcome: 'rejected' }],
      runWaiting: [{ count: 1 }, { count: 4 }],
      runFinished: [{ outcome: 'succeeded' }, { outcome: 'failed' }],
      syncFailing: [{ minutes: 30 }],
      deviceBlocked: [{}],
    };
    expect(Object.keys(kinds).sort()).toEqual([...NOTIFY_KINDS].sort());
    for (const l of LOCALES) {
      await i18next.changeLanguage(l);
      for (const [kind, variants] of Object.entries(kinds))
        for (const v of variants) {
          const { title, body } = noticeText(notice(kind as NotifyKind, 'k', { workflow: 'Site inspection report', ...v }));
          for (const s of [title, body]) expect(s, `${l} ${kind}`).not.toMatch(/^text\.|notifications:|\{/);
          if (kind !== 'syncFailing' && kind !== 'deviceBlocked' && v?.count !== 4) expect(body, `${l} ${kind}`).toContain('Site inspection report');
        }
    }
  });
});
