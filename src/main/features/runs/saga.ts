// The saga: when a run cannot go on, the finished steps that have a compensation are undone in
// reverse order, each in its own transaction (its `compensated` mark and audit entry with it), then
// the run settles: rolled_back, or failed when a compensation failed (its reason is added).
import { canonicalJson } from '../../../shared/canonical';
import { toJsonValue } from '../../../shared/json';
import { msg } from '../../../shared/messages';
import type { RunError, RunStatus, WorkflowManifest } from '../../../shared/workflow/types';
import type { EngineCore } from './core';
import { errMessage, errorOf, SERVICE_ACTOR, StaleRun, type RunRow, type StepRow } from './rows';

/** Finished steps still to undo, newest first. */
export function compensable(core: EngineCore, runId: string, m: WorkflowManifest): StepRow[] {
  const withComp = new Set(m.steps.filter((s) => s.compensate).map((s) => s.id));
  return core.store
    .stepRows(runId)
    .filter((r) => r.status === 'succeeded' && withComp.has(r.step_id) && r.compensation_error === null)
    .sort((a, b) => b.step_index - a.step_index);
}

/** Undo one finished step. false = another driver moved the run on (stop here). */
function compensateStep(core: EngineCore, row: RunRow, m: WorkflowManifest, r: StepRow, reason: string): boolean {
  const step = m.steps.find((s) => s.id === r.step_id)!;
  const name = step.compensate!;
  const fn = core.executors[r.executor].compensations[name]!;
  try {
    core.db.transaction(() => {
      const result = toJsonValue(
        fn({ runId: row.id, stepId: r.step_id, actor: SERVICE_ACTOR, reason, output: JSON.parse(r.output) as Record<string, unknown>, deps: core.exDeps }),
      );
      if (!core.store.markCompensated(row.id, r.step_id, core.now().toISOString(), canonicalJson(result))) throw new StaleRun(row.id);
      core.audit(SERVICE_ACTOR, 'run.step.compensated', row.id, { step: r.step_id, compensation: name, result });
      core.boundary(row.id, r.step_id, r.step_index, 'compensate.inside');
    })();
  } catch (e) {
    if (e instanceof StaleRun) return false;
    const err = errMessage(e);
    core.db.transaction(() => {
      core.store.markCompensationFailed(row.id, r.step_id, err);
      core.audit(SERVICE_ACTOR, 'run.step.compensation_failed', row.id, { step: r.step_id, compensation: name, error: err });
    })();
  }
  return true;
}

/** The error with each failed compensation added to its reasons (log form and words). */
function withCompensationFailures(error: RunError, failures: StepRow[]): RunError {
  const reasons = failures.map((f) => `Compensation of ${f.step_id} failed: ${f.compensation_error}`);
  const words = failures.map((f) => msg('system.run.compensation_failed', { step: f.step_id, error: f.compensation_error ?? '' }));
  return {
    ...error,
    reasons: [...error.reasons, ...reasons],
    ...(error.words ? { words: { ...error.words, reasons: [...error.words.reasons, ...words] } } : {}),
  };
}

/** compensating → rolled_back, or failed when a compensation failed. */
function settle(core: EngineCore, row: RunRow, error: RunError | null): void {
  const failures = core.store.stepRows(row.id).filter((r) => r.compensation_error !== null);
  const now = core.now().toISOString();
  const status: RunStatus = failures.length ? 'failed' : 'rolled_back';
  const settled: RunError | null = error && failures.length ? withCompensationFailures(error, failures) : error;
  core.db.transaction(() => {
    if (!core.store.settleCompensation(row.id, status, settled ? canonicalJson(settled) : null, now)) return;
    core.audit(SERVICE_ACTOR, status === 'rolled_back' ? 'run.rolled_back' : 'run.failed', row.id, {
      code: error?.code ?? null,
      compensated: core.store
        .stepRows(row.id)
        .filter((r) => r.status === 'compensated')
        .map((r) => r.step_id),
      compensationFailed: failures.map((f) => f.step_id),
    });
  })();
  core.changed(row.id);
}

/** The saga: undo finished steps in reverse order, each in its own transaction, then settle. */
export function compensateAll(core: EngineCore, row: RunRow): void {
  const m = core.catalog.manifestOf(row);
  const error = errorOf(row);
  const reason = error ? `Run ${row.id} ${error.code}: ${error.message}` : `Run ${row.id} is being rolled back`;
  for (const r of compensable(core, row.id, m)) if (!compensateStep(core, row, m, r, reason)) return;
  settle(core, row, error);
}
