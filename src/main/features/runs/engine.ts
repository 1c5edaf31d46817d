// The run engine: governed workflow runs over the allowlisted executors.
//
// Lifecycle: pending → running → (awaiting_approval → running)* → succeeded
//                              ↘ compensating → rolled_back | failed          (saga: saga.ts)
//                              ↘ failed                                       (nothing to undo)
// Every transition is an audit entry (run.* / run.step.*) written in the transition's transaction
// (transitions.ts).
//
// Exactly once (commit.ts): a step's local side effects, its run_steps row, its decision card, its
// audit entries and the run's advance are one SQLite transaction. A crash leaves either no trace of
// the step or a finished step; resumeAll() continues from next_step and never repeats a finished one.
//
// Before every step (step.ts): the guard and the engine's own budget checks (budgets.ts). Blocked →
// the run fails and compensates; blocked only by approval invariants → the run waits for a reviewer
// (decide(): approvals.ts). Starting: start.ts; reading: queries.ts; manifests: workflows.ts.
import type { RunDetail, RunInfo, RunInfoPage } from '../../../shared/workflow/types';
import { decideRun } from './approvals';
import { decisionContext } from './decision-context';
import { searchWordsOf } from './record-title';
import type { DecisionContext } from '../../../shared/workflow/decision-context';
import { EngineCore } from './core';
import type { RunCards } from './ports';
import { detail, list, summary } from './queries';
import { errMessage, SERVICE_ACTOR, StaleRun } from './rows';
import { compensateAll } from './saga';
import { startRun } from './start';
import { stepOnce } from './step';
import { begin } from './transitions';
import type { DecideInput, RunEvent, RunListQuery, RunService, RunServiceDeps, StartInput } from './types';

export { SERVICE_ACTOR };

export function createRunService<C extends RunCards>(deps: RunServiceDeps<C>): RunService<C> {
  return new RunEngine(deps);
}

class RunEngine<C extends RunCards> implements RunService<C> {
  readonly cards: C;
  private readonly core: EngineCore;
  private readonly active = new Map<string, Promise<void>>();

  constructor(deps: RunServiceDeps<C>) {
    this.cards = deps.cards;
    this.core = new EngineCore(deps);
    this.reloadWorkflows();
  }

  // ---------------------------------------------------------------- manifests

  reloadWorkflows() {
    return this.core.catalog.reload();
  }

  workflows() {
    return this.core.catalog.workflows();
  }

  loadErrors() {
    return this.core.catalog.loadErrors();
  }

  // ---------------------------------------------------------------- runs

  async start(inp: StartInput, opts: { wait?: boolean } = {}): Promise<RunDetail> {
    const runId = await startRun(this.core, inp);
    if (opts.wait === false) {
      void this.drive(runId).catch((e: unknown) =>
        this.core.d.logger.error('run drive failed', { code: 'RUN_DRIVE_FAILED', run: runId, error: errMessage(e) }),
      );
      return this.get(runId);
    }
    await this.drive(runId);
    return this.get(runId);
  }

  async decide(runId: string, d: DecideInput): Promise<RunDetail> {
    await decideRun(this.core, runId, d);
    await this.drive(runId);
    return this.get(runId);
  }

  async resumeAll(): Promise<RunInfo[]> {
    const { core } = this;
    const ids = core.store.unsettledIds();
    for (const id of ids) {
      const now = core.now().toISOString();
      core.db.transaction(() => {
        const row = core.store.row(id);
        // Time the app was not running is not the run's wall time: the active segment restarts now.
        if (row.status === 'running') core.store.restartSegment(id, now);
        core.audit(SERVICE_ACTOR, 'run.resumed', id, { status: row.status, nextStep: row.next_step });
      })();
    }
    for (const id of ids) await this.drive(id);
    return ids.map((id) => summary(core, core.store.row(id)));
  }

  get(runId: string): RunDetail {
    return detail(this.core, runId);
  }

  context(runId: string): DecisionContext {
    return decisionContext(this.core, runId);
  }

  searchWords(runId: string): string | null {
    return this.core.store.statusOf(runId) ? searchWordsOf(this.core.d.contracts, this.core.store.row(runId)) : null;
  }

  awaitingCard(runId: string): string | null | undefined {
    return this.core.store.awaitingCard(runId);
  }

  list(q: RunListQuery = {}): RunInfoPage {
    return list(this.core, q);
  }

  subscribe(fn: (e: RunEvent) => void): () => void {
    return this.core.subscribe(fn);
  }

  async idle(): Promise<void> {
    while (this.active.size) await Promise.allSettled([...this.active.values()]);
  }

  // ---------------------------------------------------------------- drive

  /** One driver per run in this process; a second call queues behind the first and re-reads. */
  private drive(runId: string): Promise<void> {
    const prev = this.active.get(runId) ?? Promise.resolve();
    const p = prev.catch(() => undefined).then(() => this.loop(runId));
    this.active.set(runId, p);
    const clear = () => {
      if (this.active.get(runId) === p) this.active.delete(runId);
    };
    p.then(clear, clear);
    return p;
  }

  private async loop(runId: string): Promise<void> {
    const { core } = this;
    for (let guardCount = 0; guardCount < 10_000; guardCount++) {
      const row = core.store.row(runId);
      try {
        switch (row.status) {
          case 'pending':
            begin(core, row);
            break;
          case 'compensating':
            compensateAll(core, row);
            break;
          case 'running':
            if (await stepOnce(core, row)) return;
            break;
          default:
            return;
        }
      } catch (e) {
        if (!(e instanceof StaleRun)) throw e; // another driver moved the run on: re-read
      }
    }
    throw new Error(`run ${runId}: the driver did not settle`);
  }
}
