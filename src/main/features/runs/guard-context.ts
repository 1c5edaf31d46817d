// What the guard is asked with: the run, step, approval and AI facts of one decision, the data as
// it heads out (PII redacted or sealed the way the step sends it), and where it goes.
import { parseContractRef } from '../../../shared/sync/protocol';
import type { GuardActor, GuardContext, GuardContract, GuardResult } from '../../../shared/policy/types';
import type { ExecutorName, WorkflowStep } from '../../../shared/workflow/types';
import type { EngineCore } from './core';
import type { AiFacts, Estimate } from './executors/index';
import { failClosed, isGuardResult } from './guard';
import { executorName } from './manifest';
import type { RunContracts } from './ports';
import { elapsed, errMessage, type RunRow } from './rows';

/** RFC 6901 pointer → set a value where it exists (nothing is created). */
function replaceAt(data: Record<string, unknown>, pointer: string, value: unknown): void {
  const keys = pointer
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = data;
  for (const k of keys.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string, unknown>)[k];
  }
  const last = keys[keys.length - 1];
  if (last !== undefined && cur !== null && typeof cur === 'object' && last in cur) (cur as Record<string, unknown>)[last] = value;
}

/**
 * The data a step sends somewhere, as the guard should judge it (PII pointers and redWhen are read
 * from it). A model step sends only the fields it reads: the contract's PII fields it does not read
 * are `[redacted]`, those it reads stay in plaintext (and the policy sees them). What reaches the
 * server (submit), and what the risk steps judge the run by, is the record sealed under the tenant
 * data key: its PII fields are `sealed:`. capture-form keeps the data on this device: as it is.
 */
export function dataHeadingOut(
  exec: ExecutorName | null,
  input: Record<string, unknown>,
  pii: readonly string[],
  aiInputs: readonly { id?: string }[],
): Record<string, unknown> {
  if (exec === null || exec === 'capture-form' || !pii.length) return input;
  const data = structuredClone(input);
  if (exec === 'ai-summarize' || exec === 'ai-translate-verify') {
    const read = aiInputs.map((i) => (i.id ?? '').split('#')[1] ?? '').filter(Boolean);
    for (const p of pii) if (!read.some((r) => r === p || r.startsWith(`${p}/`) || p.startsWith(`${r}/`))) replaceAt(data, p, '[redacted]');
    return data;
  }
  for (const p of pii) replaceAt(data, p, 'sealed:aes-256-gcm');
  return data;
}

/** Where a step's data goes: models and the risk steps run on this device; a submit goes to the server. */
function destinationOf(exec: ExecutorName | null, serverRegion: string | undefined): GuardContext['destination'] | null {
  if (exec === null) return null;
  if (exec === 'submit') return serverRegion !== undefined ? { kind: 'server', region: serverRegion } : null;
  if (exec === 'ai-summarize' || exec === 'ai-translate-verify') return { kind: 'model', region: 'device' };
  return { kind: 'device', region: 'device' };
}

function contractFacts(contracts: RunContracts, ref: string): GuardContract | undefined {
  if (!contracts.has(ref)) return undefined;
  const doc = contracts.get(ref).doc;
  const name = parseContractRef(ref)?.name;
  const latest = name ? contracts.versions()[name] : undefined;
  return {
    contract: doc.contract,
    kind: doc.kind,
    pii: [...doc.pii],
    riskHints: { ...doc.riskHints },
    latestMajor: latest ? Number(latest.split('.')[0]) : undefined,
  };
}

/** Ask the guard; a guard that throws or answers nonsense denies (fail closed). */
export async function callGuard(core: EngineCore, ctx: GuardContext): Promise<GuardResult> {
  try {
    const r = await core.d.guard.guard(ctx);
    if (!isGuardResult(r)) return failClosed('the guard returned no result');
    return r;
  } catch (e) {
    return failClosed(errMessage(e));
  }
}

export interface GuardFacts {
  actor?: GuardActor;
  step?: WorkflowStep;
  est?: Estimate;
  ai?: AiFacts | null;
  output?: Record<string, unknown>;
  actualCostCents?: number;
  decision?: GuardContext['decision'];
}

function runFacts(row: RunRow, nowMs: number): NonNullable<GuardContext['run']> {
  return {
    id: row.id,
    workflow: row.workflow,
    ownerId: row.started_by,
    tenant: row.tenant,
    status: row.status,
    budgetCents: row.budget_cost_cents,
    spentCents: row.spent_cents,
    tokenBudget: row.budget_tokens,
    tokensUsed: row.used_tokens,
    wallTimeBudgetMs: row.budget_wall_ms,
    elapsedMs: elapsed(row, nowMs),
  };
}

/** The step, AI and sync facts of a context (in place). */
function addStepFacts(core: EngineCore, ctx: GuardContext, o: GuardFacts, exec: ExecutorName | null, params: Record<string, unknown>): void {
  if (o.step && exec) {
    ctx.step = { id: o.step.id, executor: exec, with: structuredClone(params) };
    if (o.est) Object.assign(ctx.step, { estimatedCostCents: o.est.costCents, estimatedTokens: o.est.tokens, estimatedMs: o.est.latencyMs });
    if (o.output) Object.assign(ctx.step, { output: structuredClone(o.output), actualCostCents: o.actualCostCents ?? 0 });
  }
  if (o.ai) ctx.ai = { modelId: o.ai.modelId, inputs: o.ai.inputs.map((x) => ({ ...x })), uncertainty: o.ai.uncertainty };
  if (o.decision) ctx.decision = o.decision;
  if (core.d.governance) {
    try {
      ctx.sync = { lastSyncAt: core.d.governance.status().lastSyncAt };
    } catch {
      // No profile or sync state yet: the guard sees no sync facts.
    }
  }
}

export function guardContext(core: EngineCore, event: string, row: RunRow, nowMs: number, o: GuardFacts = {}): GuardContext {
  const exec = o.step ? executorName(o.step.uses) : null;
  const params = (o.step?.with ?? {}) as Record<string, unknown>;
  const contractRef = exec === 'submit' && typeof params.contract === 'string' ? params.contract : row.input_contract;
  const contract = contractFacts(core.d.contracts, contractRef);
  const loc = core.d.locality ?? {};
  const actor = { ...(o.actor ?? (JSON.parse(row.actor) as GuardActor)) };
  if (actor.region === undefined && loc.region !== undefined) actor.region = loc.region;
  const ctx: GuardContext = {
    event,
    action: exec ? `step.execute:${exec}` : event,
    actor,
    run: runFacts(row, nowMs),
    subject: { kind: 'run', id: row.id, tenant: row.tenant, ownerId: row.started_by, ...(loc.residency !== undefined ? { residency: loc.residency } : {}) },
    data: dataHeadingOut(exec, JSON.parse(row.input) as Record<string, unknown>, contract?.pii ?? [], o.ai?.inputs ?? []),
    approval: { state: row.approval_state, by: row.approval_by, comment: row.approval_comment },
    now: new Date(nowMs).toISOString(),
  };
  if (loc.residency !== undefined) ctx.run!.residency = loc.residency;
  if (contract) ctx.contract = contract;
  const destination = destinationOf(exec, loc.serverRegion);
  if (destination) ctx.destination = destination;
  addStepFacts(core, ctx, o, exec, params);
  return ctx;
}
