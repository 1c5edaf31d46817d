// Starting a run: the input must satisfy the workflow's input contract (nothing is written otherwise),
// then the guard judges run.start. The run row, its run.start card and its audit entries are one
// transaction: pending (allowed), awaiting_approval (a reviewer first) or failed (refused).
import { canonicalJson } from '../../../shared/canonical';
import type { GuardActor, GuardResult } from '../../../shared/policy/types';
import type { RunError, RunStatus } from '../../../shared/workflow/types';
import { newUlid } from '../../platform/util/ulid';
import type { EngineCore } from './core';
import { startCard } from './decision-cards';
import { judge, reasonsOf, reasonWordsOf, type Verdict } from './guard';
import { callGuard, guardContext } from './guard-context';
import type { LoadedManifest } from './manifest';
import { SERVICE_ACTOR, sha256, type RunRow } from './rows';
import { runTitle } from './record-title';
import { runError, runWords } from './words';
import type { StartInput } from './types';

function newRunRow(loaded: LoadedManifest, actor: GuardActor, input: string, now: string): RunRow {
  const m = loaded.manifest;
  return {
    id: `run_${newUlid()}`,
    workflow: m.workflow,
    title: m.title,
    manifest_digest: loaded.digest,
    manifest: canonicalJson(m),
    input_contract: m.input.contract,
    input,
    input_digest: sha256(input),
    status: 'pending',
    actor: canonicalJson(actor),
    started_by: actor.id,
    tenant: actor.tenant,
    budget_tokens: m.budgets.tokens,
    budget_cost_cents: m.budgets.costCents,
    budget_wall_ms: m.budgets.wallTimeMs,
    used_tokens: 0,
    spent_cents: 0,
    active_ms: 0,
    segment_started_at: null,
    next_step: 0,
    lane: null,
    approval_state: 'not_required',
    approval_by: null,
    approval_at: null,
    approval_comment: null,
    awaiting_card: null,
    error: null,
    created_at: now,
    updated_at: now,
    finished_at: null,
  };
}

function profileActor(core: EngineCore): GuardActor {
  const p = core.d.profile.require();
  return { id: p.id, role: p.role, tenant: p.tenant };
}

/** The run row, its run.start card and audit entries, in one transaction. */
function record(core: EngineCore, loaded: LoadedManifest, row: RunRow, g: GuardResult, verdict: Verdict, who: string): void {
  const now = row.created_at;
  core.starting.set(row.id, row);
  try {
    recordRows(core, loaded, row, g, verdict, who, now);
  } finally {
    core.starting.delete(row.id);
  }
}

function recordRows(core: EngineCore, loaded: LoadedManifest, row: RunRow, g: GuardResult, verdict: Verdict, who: string, now: string): void {
  core.db.transaction(() => {
    const card = core.cards.record(startCard(row, loaded.manifest, g, verdict), SERVICE_ACTOR);
    const error: RunError | null =
      verdict === 'block'
        ? runError(
            { code: 'BLOCKED', message: 'The guard refused to start the run', stepId: null, nextSafeStep: g.nextSafeStep, cardId: card.id },
            runWords('start_blocked'),
            reasonWordsOf(g, []),
          )
        : null;
    const status: RunStatus = verdict === 'allow' ? 'pending' : verdict === 'wait' ? 'awaiting_approval' : 'failed';
    core.store.insertRun({
      row,
      status,
      lane: g.lane,
      approvalState: verdict === 'wait' ? 'pending' : 'not_required',
      awaitingCard: verdict === 'wait' ? card.id : null,
      error: error ? canonicalJson(error) : null,
      finishedAt: verdict === 'block' ? now : null,
    });
    core.audit(who, 'run.created', row.id, {
      workflow: row.workflow,
      manifestDigest: row.manifest_digest,
      inputContract: row.input_contract,
      inputDigest: row.input_digest,
      status,
      card: card.id,
    });
    if (verdict === 'wait') core.audit(SERVICE_ACTOR, 'run.awaiting_approval', row.id, { step: null, card: card.id, reasons: reasonsOf(g, []) });
    if (verdict === 'block') core.audit(SERVICE_ACTOR, 'run.failed', row.id, { error });
  })();
}

/** Create the run (validated and judged); its id. The caller drives it. */
export async function startRun(core: EngineCore, inp: StartInput): Promise<string> {
  const loaded = core.catalog.find(inp.workflow);
  const m = loaded.manifest;
  const actor = inp.actor ?? profileActor(core);
  // A run whose input fails its contract never starts: nothing is written.
  core.d.contracts.validate(m.input.contract, inp.input);
  const input = canonicalJson(inp.input);
  const nowD = core.now();
  const row = newRunRow(loaded, actor, input, nowD.toISOString());
  // The run is named by its record ("Site inspection report · RPT-2026-103") in lists and on its cards.
  row.title = runTitle(core.d.contracts, row);
  const g = await callGuard(core, guardContext(core, 'run.start', row, nowD.getTime()));
  const verdict = judge(g, [], false, core.isApproval);
  record(core, loaded, row, g, verdict, `user:${actor.id}`);
  core.changed(row.id);
  core.boundary(row.id, null, -1, 'run.created');
  return row.id;
}
