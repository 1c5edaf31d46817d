// Exactly once: a step's local side effects (its `commit`), its run_steps row (status succeeded),
// its decision card, its audit entry and the run's advance (next_step + 1, compare-and-set) are one
// SQLite transaction. A crash leaves either no trace of the step or a finished step. UNIQUE
// (manifest digest, step id, input digest) is the backstop: a second commit of the same step fails
// and rolls back with it.
import { canonicalJson } from '../../../shared/canonical';
import { toJsonValue } from '../../../shared/json';
import type { WorkflowStep } from '../../../shared/workflow/types';
import type { EngineCore } from './core';
import type { StepResult } from './executors/index';
import { executorName } from './manifest';
import type { NewCard } from './ports';
import { elapsed, SERVICE_ACTOR, sha256, StaleRun, type RunRow, type StepRow } from './rows';

/** What the step read: the run's input, its own parameters and the outputs of the steps before it. */
function stepInputDigest(row: RunRow, step: WorkflowStep, doneRows: StepRow[]): string {
  return sha256(
    canonicalJson({
      run: row.id,
      input: row.input_digest,
      step: step.id,
      with: step.with ?? {},
      prior: doneRows.map((r) => [r.step_id, sha256(r.output)]),
    }),
  );
}

/** Throws StaleRun (or a UNIQUE violation) when another driver finished the step first; nothing is then committed. */
export function commitStep(
  core: EngineCore,
  row: RunRow,
  at: { step: WorkflowStep; index: number; doneRows: StepRow[]; startedAt: Date },
  result: StepResult,
  card: NewCard,
): void {
  const { step, index } = at;
  const inputDigest = stepInputDigest(row, step, at.doneRows);
  core.db.transaction(() => {
    const effects = result.commit?.() ?? {};
    const output = canonicalJson(toJsonValue({ ...result.output, ...effects }));
    const finished = core.now();
    const tokens = Math.max(0, Math.round(result.usage.tokens));
    const cost = Math.max(0, Math.round(result.usage.costCents));
    const exName = executorName(step.uses);
    const entry = core.audit(SERVICE_ACTOR, 'run.step.succeeded', row.id, {
      step: step.id,
      index,
      executor: exName,
      inputDigest,
      outputSha256: sha256(output),
      tokens,
      costCents: cost,
    });
    const recorded = core.cards.record(card, SERVICE_ACTOR);
    core.store.insertStep({
      runId: row.id,
      index,
      stepId: step.id,
      executor: exName,
      manifestDigest: row.manifest_digest,
      inputDigest,
      output,
      tokens,
      costCents: cost,
      uncertainty: result.uncertainty ?? null,
      startedAt: at.startedAt.toISOString(),
      finishedAt: finished.toISOString(),
      auditSeq: entry.seq,
      cardId: recorded.id,
    });
    const finishedAt = finished.toISOString();
    const moved = core.store.advance(row.id, index, {
      tokens,
      costCents: cost,
      activeMs: elapsed(row, finished.getTime()),
      at: finishedAt,
      lane: result.lane ?? null,
    });
    if (!moved) throw new StaleRun(row.id);
    core.boundary(row.id, step.id, index, 'step.commit.inside');
  })();
}
