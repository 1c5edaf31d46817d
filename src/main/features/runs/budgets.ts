// The engine's own budget checks (tokens, cost cents, active wall time): before a step against its
// estimate (reported like invariants, so they show on the card), and after it against what it used.
import { msg } from '../../../shared/messages';
import type { InvariantResult, WorkflowStep } from '../../../shared/workflow/types';
import type { EngineCore } from './core';
import type { Estimate } from './executors/index';
import { elapsed, type RunRow } from './rows';
import { fail } from './transitions';
import { runError, runWords } from './words';

export const RAISE_BUDGET = msg('guard.next.raise_budget');

/** The engine's own budget checks, reported like invariants (they show on the card). */
export function budgetChecks(row: RunRow, est: Estimate, elapsedMs: number): InvariantResult[] {
  const check = (id: string, used: number, add: number, budget: number, what: string, unit: string): InvariantResult => {
    const pass = used + add <= budget;
    return {
      id,
      pass,
      message: pass ? null : `${what} budget exceeded: ${used} used + ${add} estimated > ${budget} ${unit}`,
      values: { used, estimated: add, budget },
    };
  };
  return [
    check('INV.ENGINE.BUDGET_TOKENS', row.used_tokens, est.tokens, row.budget_tokens, 'Token', 'tokens'),
    check('INV.ENGINE.BUDGET_COST', row.spent_cents, est.costCents, row.budget_cost_cents, 'Cost', 'cents'),
    check('INV.ENGINE.WALL_TIME', elapsedMs, est.latencyMs, row.budget_wall_ms, 'Wall-time', 'ms'),
  ];
}

/** After a step: what it really used may have gone over a budget (the estimate was low). */
export function checkActualBudgets(core: EngineCore, runId: string, step: WorkflowStep): void {
  const row = core.store.row(runId);
  if (row.status !== 'running') return;
  const over: string[] = [];
  if (row.used_tokens > row.budget_tokens) over.push(`INV.ENGINE.BUDGET_TOKENS: Token budget exceeded: ${row.used_tokens} used > ${row.budget_tokens} tokens`);
  if (row.spent_cents > row.budget_cost_cents)
    over.push(`INV.ENGINE.BUDGET_COST: Cost budget exceeded: ${row.spent_cents} spent > ${row.budget_cost_cents} cents`);
  const used = elapsed(row, core.now().getTime());
  if (used > row.budget_wall_ms) over.push(`INV.ENGINE.WALL_TIME: Wall-time budget exceeded: ${used} > ${row.budget_wall_ms} ms`);
  if (!over.length) return;
  fail(
    core,
    row,
    runError(
      { code: 'BUDGET_EXCEEDED', message: `Budget exceeded by ${step.id}`, stepId: step.id, nextSafeStep: RAISE_BUDGET, cardId: null },
      runWords('budget_by', { step: step.id }),
      over,
    ),
    null,
    'run.budget_exceeded',
  );
}
