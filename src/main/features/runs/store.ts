// Every statement on the engine's tables (runs, run_steps). Updates that move a run on are
// compare-and-set: they say whether they matched (false = another driver moved the run first).
import type { Db } from '../../platform/db/connection';
import { ApiError } from '../../../shared/errors';
import type { ApprovalState, ExecutorName, Lane, RunStatus } from '../../../shared/workflow/types';
import type { RunRow, StepRow } from './rows';

/** The columns a new run is inserted with (the others take their defaults). */
export interface NewRun {
  row: RunRow;
  status: RunStatus;
  lane: Lane;
  approvalState: ApprovalState;
  awaitingCard: string | null;
  error: string | null;
  finishedAt: string | null;
}

export interface NewStep {
  runId: string;
  index: number;
  stepId: string;
  executor: ExecutorName;
  manifestDigest: string;
  inputDigest: string;
  output: string;
  tokens: number;
  costCents: number;
  uncertainty: number | null;
  startedAt: string;
  finishedAt: string;
  auditSeq: number;
  cardId: string;
}

export class RunStore {
  constructor(private readonly db: Db) {}

  row(runId: string): RunRow {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No run ${runId}`, { reason: 'run' });
    return r;
  }

  statusOf(runId: string): RunStatus | undefined {
    return this.db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId) as RunStatus | undefined;
  }

  awaitingCard(runId: string): string | null | undefined {
    return this.db.prepare('SELECT awaiting_card FROM runs WHERE id = ?').pluck().get(runId) as string | null | undefined;
  }

  stepRows(runId: string): StepRow[] {
    return this.db.prepare('SELECT * FROM run_steps WHERE run_id = ? ORDER BY step_index').all(runId) as StepRow[];
  }

  stepCount(runId: string): number {
    return this.db.prepare('SELECT count(*) FROM run_steps WHERE run_id = ?').pluck().get(runId) as number;
  }

  insertRun(n: NewRun): void {
    const r = n.row;
    this.db
      .prepare(
        `INSERT INTO runs (id, workflow, title, manifest_digest, manifest, input_contract, input, input_digest, status, actor, started_by, tenant,
           budget_tokens, budget_cost_cents, budget_wall_ms, lane, approval_state, awaiting_card, error, created_at, updated_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.id,
        r.workflow,
        r.title,
        r.manifest_digest,
        r.manifest,
        r.input_contract,
        r.input,
        r.input_digest,
        n.status,
        r.actor,
        r.started_by,
        r.tenant,
        r.budget_tokens,
        r.budget_cost_cents,
        r.budget_wall_ms,
        n.lane,
        n.approvalState,
        n.awaitingCard,
        n.error,
        r.created_at,
        r.updated_at,
        n.finishedAt,
      );
  }

  /** pending → running. */
  markRunning(runId: string, now: string): boolean {
    const res = this.db
      .prepare("UPDATE runs SET status = 'running', segment_started_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'")
      .run(now, now, runId);
    return res.changes === 1;
  }

  insertStep(s: NewStep): void {
    this.db
      .prepare(
        `INSERT INTO run_steps (run_id, step_index, step_id, executor, manifest_digest, input_digest, status, output, tokens, cost_cents, uncertainty, started_at, finished_at, audit_seq, card_id)
         VALUES (?, ?, ?, ?, ?, ?, 'succeeded', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.runId,
        s.index,
        s.stepId,
        s.executor,
        s.manifestDigest,
        s.inputDigest,
        s.output,
        s.tokens,
        s.costCents,
        s.uncertainty,
        s.startedAt,
        s.finishedAt,
        s.auditSeq,
        s.cardId,
      );
  }

  /** The step at `index` is done: next_step + 1, usage added (running runs only). */
  advance(runId: string, index: number, a: { tokens: number; costCents: number; activeMs: number; at: string; lane: Lane | null }): boolean {
    const res = this.db
      .prepare(
        `UPDATE runs SET next_step = next_step + 1, used_tokens = used_tokens + ?, spent_cents = spent_cents + ?, active_ms = ?, segment_started_at = ?,
           lane = COALESCE(?, lane), updated_at = ? WHERE id = ? AND status = 'running' AND next_step = ?`,
      )
      .run(a.tokens, a.costCents, a.activeMs, a.at, a.lane, a.at, runId, index);
    return res.changes === 1;
  }

  /** running at `index` → awaiting_approval on `cardId` (the active segment ends). */
  awaitApproval(runId: string, index: number, w: { cardId: string; activeMs: number; lane: Lane; at: string }): boolean {
    const res = this.db
      .prepare(
        `UPDATE runs SET status = 'awaiting_approval', approval_state = 'pending', approval_by = NULL, approval_at = NULL, approval_comment = NULL,
           awaiting_card = ?, active_ms = ?, segment_started_at = NULL, lane = ?, updated_at = ? WHERE id = ? AND status = 'running' AND next_step = ?`,
      )
      .run(w.cardId, w.activeMs, w.lane, w.at, runId, index);
    return res.changes === 1;
  }

  /** → compensating or failed (the caller checked the status it comes from). */
  setFailure(runId: string, f: { status: RunStatus; error: string; activeMs: number; at: string; finishedAt: string | null }): void {
    this.db
      .prepare(`UPDATE runs SET status = ?, error = ?, active_ms = ?, segment_started_at = NULL, updated_at = ?, finished_at = ? WHERE id = ?`)
      .run(f.status, f.error, f.activeMs, f.at, f.finishedAt, runId);
  }

  markCompensated(runId: string, stepId: string, at: string, compensation: string): boolean {
    const res = this.db
      .prepare(
        "UPDATE run_steps SET status = 'compensated', compensated_at = ?, compensation = ? WHERE run_id = ? AND step_id = ? AND status = 'succeeded' AND compensation_error IS NULL",
      )
      .run(at, compensation, runId, stepId);
    return res.changes === 1;
  }

  markCompensationFailed(runId: string, stepId: string, message: string): void {
    this.db.prepare('UPDATE run_steps SET compensation_error = ? WHERE run_id = ? AND step_id = ? AND compensation_error IS NULL').run(message, runId, stepId);
  }

  /** compensating → rolled_back or failed. */
  settleCompensation(runId: string, status: RunStatus, error: string | null, at: string): boolean {
    const res = this.db
      .prepare("UPDATE runs SET status = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ? AND status = 'compensating'")
      .run(status, error, at, at, runId);
    return res.changes === 1;
  }

  /** running with every step done → succeeded. */
  succeed(runId: string, nextStep: number, activeMs: number, at: string): boolean {
    const res = this.db
      .prepare(
        "UPDATE runs SET status = 'succeeded', active_ms = ?, segment_started_at = NULL, updated_at = ?, finished_at = ? WHERE id = ? AND status = 'running' AND next_step = ?",
      )
      .run(activeMs, at, at, runId, nextStep);
    return res.changes === 1;
  }

  /** A reviewer's decision on an awaiting run: approved → running again, rejected → stays until the saga starts. */
  recordDecision(runId: string, d: { decision: 'approved' | 'rejected'; by: string; at: string; comment: string }): void {
    const approved = d.decision === 'approved';
    this.db
      .prepare(
        `UPDATE runs SET approval_state = ?, approval_by = ?, approval_at = ?, approval_comment = ?, status = ?, segment_started_at = ?, updated_at = ?
         WHERE id = ? AND status = 'awaiting_approval'`,
      )
      .run(d.decision, d.by, d.at, d.comment, approved ? 'running' : 'awaiting_approval', approved ? d.at : null, d.at, runId);
  }

  /** Runs a driver must continue (after a restart). */
  unsettledIds(): string[] {
    return this.db.prepare("SELECT id FROM runs WHERE status IN ('pending', 'running', 'compensating') ORDER BY id").pluck().all() as string[];
  }

  /** Time the app was not running is not the run's wall time: the active segment restarts now. */
  restartSegment(runId: string, now: string): void {
    this.db.prepare("UPDATE runs SET segment_started_at = ?, updated_at = ? WHERE id = ? AND status = 'running'").run(now, now, runId);
  }

  page(q: { status: RunStatus | null; workflow: string | null; beforeId: string | null; limit: number }): RunRow[] {
    return this.db
      .prepare(
        `SELECT * FROM runs WHERE (:status IS NULL OR status = :status) AND (:wf IS NULL OR workflow = :wf) AND (:cursor IS NULL OR id < :cursor)
         ORDER BY id DESC LIMIT :limit`,
      )
      .all({ status: q.status, wf: q.workflow, cursor: q.beforeId, limit: q.limit }) as RunRow[];
  }
}
