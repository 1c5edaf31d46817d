// What the engine reports about runs: summaries (RunInfo), details with every step (RunDetail) and
// pages of runs. Read-only.
import { ApiError } from '../../../shared/errors';
import {
  RUN_STATUSES,
  type RunDetail,
  type RunError,
  type RunInfo,
  type RunInfoPage,
  type RunStepDetail,
  type StepStatus,
  type WorkflowStep,
} from '../../../shared/workflow/types';
import type { EngineCore } from './core';
import { executorName } from './manifest';
import { runTitle } from './record-title';
import { approvalOf, elapsed, errorOf, type RunRow, type StepRow } from './rows';
import type { RunListQuery } from './types';

/** The step the run is at: the next one, or the one it failed at; null when it succeeded. */
export function currentStepId(core: EngineCore, row: RunRow): string | null {
  const m = core.catalog.manifestOf(row);
  if (row.status === 'succeeded') return null;
  if (row.status === 'failed' || row.status === 'rolled_back' || row.status === 'compensating') {
    const e = errorOf(row);
    return e?.stepId ?? null;
  }
  return m.steps[row.next_step]?.id ?? null;
}

export function summary(core: EngineCore, row: RunRow): RunInfo {
  return {
    id: row.id,
    workflow: row.workflow,
    title: runTitle(core.d.contracts, row),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    startedBy: row.started_by,
    tenant: row.tenant,
    currentStep: currentStepId(core, row),
    stepCount: core.catalog.manifestOf(row).steps.length,
    stepsDone: core.store.stepCount(row.id),
    lane: row.lane,
    budgets: { tokens: row.budget_tokens, wallTimeMs: row.budget_wall_ms, costCents: row.budget_cost_cents },
    usage: { tokens: row.used_tokens, costCents: row.spent_cents, elapsedMs: elapsed(row, row.segment_started_at ? core.now().getTime() : 0) },
    approval: approvalOf(row),
    error: errorOf(row),
  };
}

function stepStatus(row: RunRow, r: StepRow | undefined, i: number, failedAt: number): StepStatus {
  const ended = row.status === 'failed' || row.status === 'rolled_back' || row.status === 'compensating';
  if (r) return r.status;
  if (ended && i === failedAt) return 'failed';
  if (ended) return 'skipped';
  if (row.status === 'awaiting_approval' && i === row.next_step) return 'awaiting_approval';
  if (row.status === 'running' && i === row.next_step) return 'running';
  return 'pending';
}

function stepDetail(s: WorkflowStep, i: number, status: StepStatus, r: StepRow | undefined, error: RunError | null, cardIds: string[]): RunStepDetail {
  return {
    index: i,
    id: s.id,
    uses: s.uses,
    executor: executorName(s.uses),
    title: s.title ?? null,
    status,
    startedAt: r?.started_at ?? null,
    finishedAt: r?.finished_at ?? null,
    tokens: r?.tokens ?? 0,
    costCents: r?.cost_cents ?? 0,
    uncertainty: r?.uncertainty ?? null,
    output: r ? (JSON.parse(r.output) as Record<string, unknown>) : null,
    error: status === 'failed' ? (error?.message ?? null) : null,
    compensate: s.compensate ?? null,
    compensatedAt: r?.compensated_at ?? null,
    compensation: r?.compensation ? (JSON.parse(r.compensation) as Record<string, unknown>) : null,
    compensationError: r?.compensation_error ?? null,
    cardIds,
  };
}

export function detail(core: EngineCore, runId: string): RunDetail {
  const row = core.store.row(runId);
  const m = core.catalog.manifestOf(row);
  const rows = new Map(core.store.stepRows(runId).map((r) => [r.step_id, r]));
  // The run's cards, oldest first (the card store owns them).
  const cards = core.cards.forRun(runId).map((c) => ({ id: c.id, stepId: c.stepId }));
  const error = errorOf(row);
  const failedAt = error?.stepId ? m.steps.findIndex((s) => s.id === error.stepId) : -1;
  const steps = m.steps.map((s, i) => {
    const r = rows.get(s.id);
    const cardIds = cards.filter((c) => c.stepId === s.id).map((c) => c.id);
    return stepDetail(s, i, stepStatus(row, r, i, failedAt), r, error, cardIds);
  });
  return {
    ...summary(core, row),
    manifestDigest: row.manifest_digest,
    inputContract: row.input_contract,
    inputDigest: row.input_digest,
    input: JSON.parse(row.input) as unknown,
    steps,
    cardIds: cards.filter((c) => c.stepId === null).map((c) => c.id),
  };
}

export function list(core: EngineCore, q: RunListQuery = {}): RunInfoPage {
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError('VALIDATION_ERROR', 'limit must be an integer in 1..500');
  if (q.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(q.status))
    throw new ApiError('VALIDATION_ERROR', `status must be one of ${RUN_STATUSES.join(', ')}`);
  const rows = core.store.page({ status: q.status ?? null, workflow: q.workflow ?? null, beforeId: q.beforeId ?? null, limit: limit + 1 });
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { items: page.map((r) => summary(core, r)), nextBeforeId: more ? page[page.length - 1]!.id : null };
}
