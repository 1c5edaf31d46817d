// A reviewer's or admin's decision on a run awaiting approval. The guard judges approval.decide; a
// refusal is a denied card (and FORBIDDEN). An accepted decision is one transaction: the approval on
// the awaited card, an approval.decide card, the run's approval columns and audit entry, and, when
// rejected, the start of the saga. The caller then drives the run on.
import { ApiError } from '../../../shared/errors';
import type { GuardActor, GuardResult } from '../../../shared/policy/types';
import { reasonForLog } from '../../../shared/policy/reasons';
import type { DecisionOption } from '../../../shared/workflow/types';
import type { EngineCore } from './core';
import { reasonWordsOf } from './guard';
import { callGuard, guardContext } from './guard-context';
import type { NewCard } from './ports';
import { currentStepId } from './queries';
import { SERVICE_ACTOR, StaleRun, type RunRow } from './rows';
import { beginFailure } from './transitions';
import type { DecideInput } from './types';
import { runError, runWords } from './words';

type CardBase = Omit<NewCard, 'chosen' | 'rationale' | 'nextSafeStep' | 'status' | 'approval'>;

/** FORBIDDEN unless a reviewer or admin; CONFLICT unless the run waits (on the expected card). */
function decidable(core: EngineCore, runId: string, dIn: DecideInput): RunRow {
  const { decision, actor } = dIn;
  if (actor.role !== 'reviewer' && actor.role !== 'admin') {
    throw new ApiError('FORBIDDEN', `Only a reviewer or an admin can approve or reject a run (you are ${actor.role})`, { reason: 'role', role: actor.role });
  }
  if (decision !== 'approved' && decision !== 'rejected') throw new ApiError('VALIDATION_ERROR', 'decision must be approved or rejected');
  const row = core.store.row(runId);
  if (row.status !== 'awaiting_approval' || !row.awaiting_card)
    throw new ApiError('CONFLICT', `Run ${runId} is ${row.status}; only a run awaiting approval can be decided`, { reason: 'run_state', status: row.status });
  if (dIn.expectCard !== undefined && dIn.expectCard !== row.awaiting_card) {
    throw new ApiError('CONFLICT', `Run ${runId} waits on card ${row.awaiting_card}, not ${dIn.expectCard}`, {
      reason: 'card',
      awaitingCard: row.awaiting_card,
    });
  }
  return row;
}

function cardBase(row: RunRow, actor: GuardActor, decision: DecideInput['decision'], g: GuardResult): CardBase {
  const options: DecisionOption[] = [
    {
      id: 'approve',
      label: 'Approve: the run goes on',
      labelWords: runWords('approve_option'),
      predictedQuality: decision === 'approved' ? 1 : 0.5,
      predictedCostCents: 0,
      latencyMs: 0,
      uncertainty: 0.1,
    },
    {
      id: 'reject',
      label: 'Reject: the run stops and finished steps are undone',
      labelWords: runWords('reject_option'),
      predictedQuality: decision === 'rejected' ? 1 : 0.5,
      predictedCostCents: 0,
      latencyMs: 0,
      uncertainty: 0.1,
    },
  ];
  return {
    kind: 'approval.decide' as const,
    runId: row.id,
    stepId: null,
    subject: `${row.title} · ${decision === 'approved' ? 'approval' : 'rejection'} by ${actor.id}`,
    subjectWords: runWords('decision_subject', { title: row.title, workflow: row.workflow, decision, actor: actor.id }),
    options,
    invariants: g.invariants,
    policy: g.policy,
    lane: row.lane ?? g.lane,
    laneReasons: g.laneReasons,
    evidence: { memoryIds: [], bundleDigests: [`sha256:${row.manifest_digest}`], modelId: null },
  };
}

/** The guard refused the decision: a denied card, then FORBIDDEN. */
function refuse(core: EngineCore, row: RunRow, dIn: DecideInput, g: GuardResult, base: CardBase): never {
  const { actor, decision } = dIn;
  const why = reasonWordsOf(g, []);
  const reasons = why.map(reasonForLog);
  const card = core.db.transaction(() => {
    const rationale = `${actor.id} may not decide run ${row.id}: ${reasons.join('; ')}`;
    const rationaleWords = runWords('decision_refused', { actor: actor.id, run: row.id }, why);
    const c = core.cards.record({ ...base, chosen: null, rationale, rationaleWords, nextSafeStep: g.nextSafeStep, status: 'denied' }, SERVICE_ACTOR);
    core.audit(`user:${actor.id}`, 'run.approval.refused', row.id, { decision, card: c.id, reasons });
    return c;
  })();
  throw new ApiError('FORBIDDEN', `The guard refused this decision: ${reasons.join('; ')}`, {
    reason: 'guard',
    reasons,
    nextSafeStep: g.nextSafeStep,
    cardId: card.id,
  });
}

/** The accepted decision, in one transaction (CONFLICT when another decision came first). */
function apply(core: EngineCore, row: RunRow, dIn: DecideInput, at: string, base: CardBase): void {
  const { decision, comment, actor, via } = dIn;
  const runId = row.id;
  const who = `user:${actor.id}`;
  const approval = { state: decision, by: actor.id, at, comment, ...(via ? { via } : {}) };
  core.db.transaction(() => {
    const fresh = core.store.row(runId);
    if (fresh.status !== 'awaiting_approval' || fresh.awaiting_card !== row.awaiting_card)
      throw new ApiError('CONFLICT', `Run ${runId} was decided meanwhile`, { reason: 'decided_meanwhile' });
    core.cards.appendApproval(row.awaiting_card!, approval, who);
    const card = core.cards.record(
      {
        ...base,
        chosen: decision === 'approved' ? 'approve' : 'reject',
        rationale: `${decision === 'approved' ? 'Approved' : 'Rejected'} by ${actor.id} (${actor.role})${comment ? `: ${comment}` : ''}`,
        rationaleWords: runWords(comment ? 'decided_comment' : 'decided', { decision, actor: actor.id, role: actor.role, ...(comment ? { comment } : {}) }),
        nextSafeStep: null,
        status: decision,
        approval: { state: decision, by: actor.id, at, comment, ...(via ? { via } : {}) },
      },
      SERVICE_ACTOR,
    );
    core.store.recordDecision(runId, { decision, by: actor.id, at, comment });
    core.audit(who, 'run.approval.decided', runId, {
      decision,
      by: actor.id,
      role: actor.role,
      comment,
      card: card.id,
      awaitingCard: row.awaiting_card,
      ...(via ? { via } : {}),
    });
    dIn.within?.();
    if (decision === 'rejected') {
      const error = runError(
        {
          code: 'REJECTED',
          message: `Rejected by ${actor.id}${comment ? `: ${comment}` : ''}`,
          stepId: currentStepId(core, fresh),
          nextSafeStep: null,
          cardId: card.id,
        },
        runWords(comment ? 'rejected_comment' : 'rejected', { by: actor.id, ...(comment ? { comment } : {}) }),
        comment ? [comment] : [],
      );
      beginFailure(core, runId, error, ['awaiting_approval']);
    }
  })();
}

/** Judge and record the decision; the caller drives the run on. */
export async function decideRun(core: EngineCore, runId: string, dIn: DecideInput): Promise<void> {
  const row = decidable(core, runId, dIn);
  const { decision, comment, actor } = dIn;
  const nowD = core.now();
  const g = await callGuard(core, guardContext(core, 'approval.decide', row, nowD.getTime(), { actor, decision: { state: decision, comment } }));
  const base = cardBase(row, actor, decision, g);
  if (!g.allowed) refuse(core, row, dIn, g, base);
  try {
    apply(core, row, dIn, nowD.toISOString(), base);
  } catch (e) {
    if (e instanceof StaleRun) throw new ApiError('CONFLICT', `Run ${runId} was decided meanwhile`, { reason: 'decided_meanwhile' });
    throw e;
  }
  core.changed(runId);
}
