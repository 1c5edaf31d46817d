// The engine's rows (tables runs and run_steps) and the small helpers every part of the engine uses.
import { hash } from 'node:crypto';
import { ApiError } from '../../../shared/errors';
import { LANES, type Approval, type ApprovalState, type ExecutorName, type Lane, type RunError, type RunStatus } from '../../../shared/workflow/types';

/** The audit actor of everything the engine itself does. */
export const SERVICE_ACTOR = 'service:runs';

export interface RunRow {
  id: string;
  workflow: string;
  title: string;
  manifest_digest: string;
  manifest: string;
  input_contract: string;
  input: string;
  input_digest: string;
  status: RunStatus;
  actor: string;
  started_by: string;
  tenant: string;
  budget_tokens: number;
  budget_cost_cents: number;
  budget_wall_ms: number;
  used_tokens: number;
  spent_cents: number;
  active_ms: number;
  segment_started_at: string | null;
  next_step: number;
  lane: Lane | null;
  approval_state: ApprovalState;
  approval_by: string | null;
  approval_at: string | null;
  approval_comment: string | null;
  awaiting_card: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface StepRow {
  run_id: string;
  step_index: number;
  step_id: string;
  executor: ExecutorName;
  manifest_digest: string;
  input_digest: string;
  status: 'succeeded' | 'compensated';
  output: string;
  tokens: number;
  cost_cents: number;
  uncertainty: number | null;
  started_at: string;
  finished_at: string;
  audit_seq: number;
  card_id: string | null;
  compensated_at: string | null;
  compensation: string | null;
  compensation_error: string | null;
}

/** Another driver (process) moved the run on: the transaction rolls back and the loop re-reads. */
export class StaleRun extends Error {
  constructor(runId: string) {
    super(`run ${runId} changed under this driver`);
  }
}

export const sha256 = (s: string) => hash('sha256', s, 'hex');
export const laneRank = (l: Lane) => LANES.indexOf(l);
export const errMessage = (e: unknown): string => (e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));
export const isUniqueViolation = (e: unknown) =>
  e instanceof Error && (e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') === true && /run_steps/.test(e.message);

/** Active wall time: the finished segments plus the running one (time waiting for a reviewer is not counted). */
export function elapsed(row: RunRow, nowMs: number): number {
  return row.active_ms + (row.segment_started_at ? Math.max(0, nowMs - Date.parse(row.segment_started_at)) : 0);
}

export function approvalOf(row: RunRow): Approval {
  return { state: row.approval_state, by: row.approval_by, at: row.approval_at, comment: row.approval_comment };
}

export const errorOf = (row: RunRow): RunError | null => (row.error ? (JSON.parse(row.error) as RunError) : null);
