// One step of a running run. Before it: the guard (step.before, with run/step/approval/AI facts)
// and the engine's own budget checks (tokens, cost cents, active wall time). Blocked → the run fails
// and compensates; blocked only by approval invariants → the run waits for a reviewer (decide()).
// After it: the guard again (step.after, the output known), then the exactly-once commit.
import { msg } from '../../../shared/messages';
import type { GuardResult } from '../../../shared/policy/types';
import { reasonForLog } from '../../../shared/policy/reasons';
import type { DecisionOption, InvariantResult, WorkflowStep } from '../../../shared/workflow/types';
import { budgetChecks, checkActualBudgets, RAISE_BUDGET } from './budgets';
import { commitStep } from './commit';
import type { EngineCore } from './core';
import { stepCard, type StepCardChoice } from './decision-cards';
import type { AiFacts, Estimate, Executor, PriorStep, StepContext, StepResult } from './executors/index';
import { failClosed, judge, reasonWordsOf } from './guard';
import { callGuard, guardContext } from './guard-context';
import { executorName } from './manifest';
import { approvalOf, elapsed, isUniqueViolation, SERVICE_ACTOR, StaleRun, type RunRow, type StepRow } from './rows';
import { enterWait, fail, failStep, finish } from './transitions';
import { runError, runWords } from './words';

/** A step being tried: where it is, what the executor predicted, and the step.before verdict. */
interface Attempt {
  row: RunRow;
  step: WorkflowStep;
  index: number;
  doneRows: StepRow[];
  ctx: StepContext;
  est: Estimate;
  options: DecisionOption[];
  ai: AiFacts | null;
  startedAt: Date;
  g: GuardResult;
  engine: InvariantResult[];
  approved: boolean;
}

const priorOf = (rows: StepRow[]): PriorStep[] =>
  rows.map((r) => ({ id: r.step_id, executor: r.executor, output: JSON.parse(r.output) as Record<string, unknown>, uncertainty: r.uncertainty }));

function stepContext(core: EngineCore, row: RunRow, step: WorkflowStep, index: number, doneRows: StepRow[]): StepContext {
  const leftAt = core.now().getTime();
  return {
    runId: row.id,
    workflow: row.workflow,
    manifestDigest: row.manifest_digest,
    actor: SERVICE_ACTOR,
    tenant: row.tenant,
    step,
    index,
    params: (step.with ?? {}) as Record<string, unknown>,
    inputContract: row.input_contract,
    input: JSON.parse(row.input) as Record<string, unknown>,
    prior: priorOf(doneRows),
    guard: null,
    approval: approvalOf(row),
    // What the run has left: the AI steps size their model calls by it.
    budgetLeft: {
      tokens: row.budget_tokens - row.used_tokens,
      costCents: row.budget_cost_cents - row.spent_cents,
      wallMs: row.budget_wall_ms - elapsed(row, leftAt),
    },
    deps: core.exDeps,
  };
}

/** The executor's estimate, options and AI facts; null when it could not even prepare (the step failed). */
async function prepare(core: EngineCore, row: RunRow, step: WorkflowStep, ex: Executor, ctx: StepContext) {
  try {
    const est = ex.estimate(ctx);
    const options = ex.options(ctx, est);
    const ai = (await ex.ai?.(ctx)) ?? null;
    return { est, options, ai };
  } catch (e) {
    // The executor could not even prepare (e.g. its contract is gone): the step fails, the saga runs.
    const notAsked: GuardResult = {
      ...failClosed('not asked: the executor could not prepare'),
      policy: { decision: 'deny', reasons: [msg('guard.policy.not_asked')], policyVersion: null },
    };
    failStep(core, row, step, notAsked, [], [], null, e);
    return null;
  }
}

const cardOf = (a: Attempt, c: StepCardChoice) => stepCard(a.row, a.step, a.g, a.engine, c);

/** The step.before verdict: allow → the attempt goes on; wait or block → true (rests) / false (loop). */
function onBefore(core: EngineCore, a: Attempt): boolean | null {
  const verdict = judge(a.g, a.engine, a.approved, core.isApproval);
  if (verdict === 'allow') return null;
  const { row, step, g, engine } = a;
  const why = reasonWordsOf(g, engine);
  const reasons = why.map(reasonForLog);
  const modelId = a.ai?.modelId ?? null;
  if (verdict === 'wait') {
    const nextSafeStep = g.nextSafeStep ?? msg('guard.next.reviewer_decides', { run: row.id });
    const rationale = `Waiting for a reviewer before ${step.id}: ${reasons.join('; ')}`;
    const words = runWords('waiting_before', { step: step.id }, why);
    enterWait(
      core,
      row,
      step,
      a.index,
      cardOf(a, { options: a.options, chosen: null, rationale, words, status: 'awaiting_approval', modelId, nextSafeStep }),
      reasons,
    );
    return true;
  }
  const budget = engine.some((i) => !i.pass);
  const nextSafeStep = g.nextSafeStep ?? (budget ? RAISE_BUDGET : null);
  const card = cardOf(a, {
    options: a.options,
    chosen: null,
    rationale: `Blocked before ${step.id}: ${reasons.join('; ')}`,
    words: runWords('blocked_before', { step: step.id }, why),
    status: 'denied',
    modelId,
    nextSafeStep,
  });
  const error = runError(
    {
      code: budget ? 'BUDGET_EXCEEDED' : 'BLOCKED',
      message: budget ? `Budget exceeded before ${step.id}` : `The guard blocked ${step.id}`,
      stepId: step.id,
      nextSafeStep,
      cardId: null,
    },
    runWords(budget ? 'budget_before' : 'blocked', { step: step.id }),
    why,
  );
  fail(core, row, error, card, 'run.step.blocked');
  return false;
}

/** The executor's own wait (review-gate): the run waits for a reviewer. */
function onExecutorWait(core: EngineCore, a: Attempt, result: StepResult, wait: NonNullable<StepResult['wait']>): true {
  const card = cardOf(a, {
    options: a.options,
    chosen: result.chosen,
    rationale: result.rationale,
    words: result.rationaleWords,
    status: 'awaiting_approval',
    modelId: result.modelId ?? a.ai?.modelId ?? null,
    nextSafeStep: wait.nextSafeStep,
    memoryIds: result.memoryIds,
  });
  enterWait(core, a.row, a.step, a.index, card, [wait.reason]);
  return true;
}

/** step.after: the output is known; the guard may still refuse to accept it. The guard's answer, or true (rests) / false (loop). */
async function afterGuard(core: EngineCore, a: Attempt, result: StepResult): Promise<GuardResult | boolean> {
  const { row, step, ai } = a;
  const after = await callGuard(
    core,
    guardContext(core, 'step.after', row, core.now().getTime(), {
      step,
      est: a.est,
      ai: ai ? { ...ai, modelId: result.modelId ?? ai.modelId, uncertainty: result.uncertainty ?? ai.uncertainty } : null,
      output: result.output,
      actualCostCents: result.usage.costCents,
    }),
  );
  const afterVerdict = judge(after, [], a.approved, core.isApproval);
  if (afterVerdict === 'allow') return after;
  const why = reasonWordsOf(after, []);
  const reasons = why.map(reasonForLog);
  const card = cardOf(a, {
    options: a.options,
    chosen: result.chosen,
    rationale: `${afterVerdict === 'wait' ? 'Waiting for a reviewer to accept' : 'Refused'} the output of ${step.id}: ${reasons.join('; ')}`,
    words: runWords(afterVerdict === 'wait' ? 'waiting_output' : 'refused_output', { step: step.id }, why),
    status: afterVerdict === 'wait' ? 'awaiting_approval' : 'denied',
    modelId: result.modelId ?? ai?.modelId ?? null,
    nextSafeStep: after.nextSafeStep,
    after,
    memoryIds: result.memoryIds,
  });
  if (afterVerdict === 'wait') {
    enterWait(core, row, step, a.index, card, reasons);
    return true;
  }
  const error = runError(
    { code: 'BLOCKED', message: `The guard refused the output of ${step.id}`, stepId: step.id, nextSafeStep: after.nextSafeStep, cardId: null },
    runWords('output_blocked', { step: step.id }),
    why,
  );
  fail(core, row, error, card, 'run.step.blocked');
  return false;
}

/** Commit the accepted step (exactly once), then check what it really used against the budgets. */
function accept(core: EngineCore, a: Attempt, result: StepResult, after: GuardResult): void {
  const { row, step, index } = a;
  const card = cardOf(a, {
    options: a.options,
    chosen: result.chosen,
    rationale: result.rationale,
    words: result.rationaleWords,
    status: 'allowed',
    modelId: result.modelId ?? a.ai?.modelId ?? null,
    nextSafeStep: null,
    after,
    memoryIds: result.memoryIds,
  });
  core.boundary(row.id, step.id, index, 'step.commit.before');
  try {
    commitStep(core, row, { step, index, doneRows: a.doneRows, startedAt: a.startedAt }, result, card);
  } catch (e) {
    if (e instanceof StaleRun || isUniqueViolation(e)) {
      // Another driver finished this step first: nothing of ours was committed. Re-read.
      core.d.logger.warn('step already committed by another driver', { code: 'RUN_STEP_RACE', run: row.id, step: step.id });
      return;
    }
    failStep(core, row, step, a.g, a.engine, a.options, a.ai, e);
    return;
  }
  core.boundary(row.id, step.id, index, 'step.commit.after');
  core.changed(row.id);
  checkActualBudgets(core, row.id, step);
}

/** Execute an allowed step, then judge its output and commit it. true = the run rests. */
async function run(core: EngineCore, a: Attempt, ex: Executor): Promise<boolean> {
  a.ctx.guard = a.g;
  let result: StepResult;
  try {
    result = await ex.execute(a.ctx);
  } catch (e) {
    failStep(core, a.row, a.step, a.g, a.engine, a.options, a.ai, e);
    return false;
  }
  if (result.wait) return onExecutorWait(core, a, result, result.wait);
  const after = await afterGuard(core, a, result);
  if (typeof after === 'boolean') return after;
  accept(core, a, result, after);
  return false;
}

/** Try the next step. true = the run rests (waiting or done); false = loop again. */
export async function stepOnce(core: EngineCore, row: RunRow): Promise<boolean> {
  const m = core.catalog.manifestOf(row);
  if (row.next_step >= m.steps.length) {
    finish(core, row);
    return false;
  }
  const index = row.next_step;
  const step = m.steps[index]!;
  const ex = core.executors[executorName(step.uses)];
  core.boundary(row.id, step.id, index, 'step.before');
  const doneRows = core.store.stepRows(row.id);
  const ctx = stepContext(core, row, step, index, doneRows);
  const plan = await prepare(core, row, step, ex, ctx);
  if (!plan) return false;
  const startedAt = core.now();
  const spent = elapsed(row, startedAt.getTime());
  const g = await callGuard(core, guardContext(core, 'step.before', row, startedAt.getTime(), { step, est: plan.est, ai: plan.ai }));
  const engine = budgetChecks(row, plan.est, spent);
  const a: Attempt = { row, step, index, doneRows, ctx, ...plan, startedAt, g, engine, approved: row.approval_state === 'approved' };
  const rests = onBefore(core, a);
  if (rests !== null) return rests;
  return run(core, a, ex);
}
