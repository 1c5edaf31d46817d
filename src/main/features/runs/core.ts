// What every part of the engine shares: its dependencies, the run store, the workflow catalog, the
// executors (the allowlist, with test overrides) and the events it tells subscribers.
import type { Db } from '../../platform/db/connection';
import { toJsonValue } from '../../../shared/json';
import type { ExecutorName, InvariantResult } from '../../../shared/workflow/types';
import { EXECUTOR_REGISTRY, type Executor, type ExecutorDeps } from './executors/index';
import { isApprovalInvariantDefault } from './guard';
import type { RunCards } from './ports';
import { errMessage, type RunRow } from './rows';
import { searchWordsOf } from './record-title';
import { RunStore } from './store';
import type { BoundaryPhase, RunEvent, RunServiceDeps } from './types';
import { WorkflowCatalog } from './workflows';

export class EngineCore {
  readonly db: Db;
  readonly cards: RunCards;
  readonly store: RunStore;
  readonly catalog: WorkflowCatalog;
  readonly executors: Readonly<Record<ExecutorName, Executor>>;
  readonly isApproval: (r: InvariantResult) => boolean;
  /** What executors are handed (ctx.deps): nothing of the engine's own. */
  readonly exDeps: ExecutorDeps;
  private readonly listeners = new Set<(e: RunEvent) => void>();

  constructor(readonly d: RunServiceDeps) {
    this.db = d.db;
    // Every card of a run is indexed under the run's record (its title fields' values): card search
    // finds "RPT-2026-103". The run.start card is recorded before its run row: start.ts notes the row.
    const cards = Object.create(d.cards) as RunCards;
    cards.record = (card, actor) => d.cards.record(card, actor, { searchWords: this.searchWords(card.runId) });
    this.cards = cards;
    this.store = new RunStore(d.db);
    this.executors = Object.freeze({ ...EXECUTOR_REGISTRY, ...(d.executors ?? {}) });
    this.catalog = new WorkflowCatalog(d, this.executors);
    this.isApproval = d.isApprovalInvariant ?? isApprovalInvariantDefault;
    this.exDeps = {
      contracts: d.contracts,
      capture: d.capture,
      outbox: d.outbox,
      governance: d.governance,
      inference: d.inference,
      memory: d.memory,
      aiKit: d.aiKit,
    };
  }

  /** A run row being started (its run.start card is recorded before the row is written). */
  readonly starting = new Map<string, RunRow>();

  /** The words card search finds a run's cards by ('' for a card of no run of this engine). */
  searchWords(runId: string): string {
    if (!runId) return '';
    const row = this.starting.get(runId) ?? (this.store.statusOf(runId) ? this.store.row(runId) : null);
    return row ? searchWordsOf(this.d.contracts, row) : '';
  }

  now(): Date {
    return this.d.clock.now();
  }

  audit(actor: string, action: string, runId: string, payload: Record<string, unknown>) {
    return this.d.audit.append({ actor, action, subject: runId, payload: toJsonValue(payload) });
  }

  subscribe(fn: (e: RunEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: RunEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.d.logger.warn('run event listener failed', { code: 'RUN_LISTENER_FAILED', error: errMessage(err) });
      }
    }
  }

  boundary(runId: string, stepId: string | null, index: number, phase: BoundaryPhase): void {
    this.emit({ type: 'step.boundary', runId, stepId, index, phase });
  }

  /** After a transaction that moved the run: subscribers learn its status. */
  changed(runId: string): void {
    const st = this.store.statusOf(runId);
    if (st) this.emit({ type: 'run.changed', runId, status: st });
  }
}
