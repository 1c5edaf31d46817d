// A run's moves between states, each in one transaction with its card and audit entries:
// pending → running (begin), running → succeeded (finish), running → awaiting_approval (enterWait),
// running (or awaiting_approval) → compensating | failed (fail, beginFailure: the saga starts).
import { canonicalJson } from '../../../shared/canonical';
import { toJsonValue } from '../../../shared/json';
import type { GuardResult } from '../../../shared/policy/types';
import type { DecisionOption, InvariantResult, RunError, RunStatus, WorkflowStep } from '../../../shared/workflow/types';
import type { EngineCore } from './core';
import { stepCard } from './decision-cards';
import type { AiFacts } from './executors/index';
import type { NewCard } from './ports';
import { elapsed, errMessage, SERVICE_ACTOR, StaleRun, type RunRow } from './rows';
import { compensable } from './saga';
import { detailReasons, runError, runWords, thrownWords } from './words';

export function begin(core: EngineCore, row: RunRow): void {
  const now = core.now().toISOString();
  core.db.transaction(() => {
    if (!core.store.markRunning(row.id, now)) throw new StaleRun(row.id);
    core.audit(SERVICE_ACTOR, 'run.started', row.id, { workflow: row.workflow });
  })();
  core.changed(row.id);
}

export function finish(core: EngineCore, row: RunRow): void {
  const now = core.now();
  core.db.transaction(() => {
    if (!core.store.succeed(row.id, row.next_step, elapsed(row, now.getTime()), now.toISOString())) return;
    core.audit(SERVICE_ACTOR, 'run.succeeded', row.id, { steps: row.next_step, tokens: row.used_tokens, costCents: row.spent_cents });
  })();
  core.changed(row.id);
}

export function enterWait(core: EngineCore, row: RunRow, step: WorkflowStep | null, index: number, card: NewCard, reasons: string[]): void {
  const now = core.now();
  try {
    core.db.transaction(() => {
      const recorded = core.cards.record(card, SERVICE_ACTOR);
      const moved = core.store.awaitApproval(row.id, index, {
        cardId: recorded.id,
        activeMs: elapsed(row, now.getTime()),
        lane: card.lane,
        at: now.toISOString(),
      });
      if (!moved) throw new StaleRun(row.id);
      core.audit(SERVICE_ACTOR, 'run.awaiting_approval', row.id, { step: step?.id ?? null, card: recorded.id, lane: card.lane, reasons });
    })();
  } catch (e) {
    if (e instanceof StaleRun) return;
    throw e;
  }
  core.changed(row.id);
}

/** Inside a transaction: → compensating when a finished step has a compensation, else failed. */
export function beginFailure(core: EngineCore, runId: string, error: RunError, from: RunStatus[]): void {
  const row = core.store.row(runId);
  if (!from.includes(row.status)) throw new StaleRun(runId);
  const now = core.now();
  const todo = compensable(core, runId, core.catalog.manifestOf(row));
  const status: RunStatus = todo.length ? 'compensating' : 'failed';
  core.store.setFailure(runId, {
    status,
    error: canonicalJson(toJsonValue(error)),
    activeMs: elapsed(row, now.getTime()),
    at: now.toISOString(),
    finishedAt: status === 'failed' ? now.toISOString() : null,
  });
  if (todo.length) core.audit(SERVICE_ACTOR, 'run.compensating', runId, { code: error.code, steps: todo.map((r) => r.step_id) });
  else core.audit(SERVICE_ACTOR, 'run.failed', runId, { code: error.code, message: error.message, step: error.stepId });
}

/**
 * The run cannot go on: record why (and the card, and `action`'s audit entry) and start the saga:
 * compensating when a finished step has a compensation, else failed. In its own transaction, or
 * the caller's.
 */
export function fail(core: EngineCore, row: RunRow, error: RunError, card: NewCard | null, action: string, from: RunStatus[] = ['running']): void {
  try {
    core.db.transaction(() => {
      const recorded = card ? core.cards.record(card, SERVICE_ACTOR) : null;
      const err: RunError = { ...error, cardId: recorded?.id ?? error.cardId };
      core.audit(SERVICE_ACTOR, action, row.id, { step: err.stepId, code: err.code, reasons: err.reasons, card: err.cardId });
      beginFailure(core, row.id, err, from);
    })();
  } catch (e) {
    if (e instanceof StaleRun) return;
    throw e;
  }
  core.changed(row.id);
}

/** The guard allowed the step, then it (or its preparation, or its commit) failed. */
export function failStep(
  core: EngineCore,
  row: RunRow,
  step: WorkflowStep,
  g: GuardResult,
  engine: InvariantResult[],
  options: DecisionOption[],
  ai: AiFacts | null,
  e: unknown,
): void {
  const message = errMessage(e);
  const thrown = thrownWords(e);
  const said = { step: step.id, ...(thrown.code ? { code: thrown.code } : {}) };
  const card = stepCard(row, step, g, engine, {
    options,
    chosen: null,
    rationale: `The guard allowed ${step.id}, then it failed: ${message}`,
    words: runWords(thrown.code ? 'failed_after_code' : 'failed_after', said, thrown.reasons, 'sentences'),
    status: 'allowed',
    modelId: ai?.modelId ?? null,
    nextSafeStep: null,
  });
  // A refusal's reasons may be messages (governance's): the log form keeps their codes and params.
  fail(
    core,
    row,
    runError(
      { code: 'STEP_FAILED', message: `${step.id} failed: ${message}`, stepId: step.id, nextSafeStep: null, cardId: null },
      runWords(thrown.code ? 'step_failed_code' : 'step_failed', said, thrown.reasons, 'sentences'),
      [message, ...detailReasons(e)],
    ),
    card,
    'run.step.failed',
  );
}
