// The run engine: governed workflow runs over the allowlisted executors.
//
// Lifecycle: pending → running → (awaiting_approval → running)* → succeeded
//                              ↘ compensating → rolled_back | failed          (saga)
//                              ↘ failed                                       (nothing to undo)
// Every transition is an audit entry (run.* / run.step.*) written in the transition's transaction.
//
// Exactly once: a step's local side effects (its `commit`), its run_steps row (status succeeded),
// its decision card, its audit entries and the run's advance (next_step + 1, compare-and-set) are
// one SQLite transaction. A crash leaves either no trace of the step or a finished step; resumeAll()
// continues from next_step and never repeats a finished one. UNIQUE (manifest digest, step id,
// input digest) is the backstop: a second commit of the same step fails and rolls back with it.
//
// Before every step: the guard (step.before, with run/step/approval/AI facts) and the engine's own
// budget checks (tokens, cost cents, active wall time). Blocked → the run fails and compensates;
// blocked only by approval invariants → the run waits for a reviewer (decide()).
import { join } from 'node:path';
import type { Db } from '../../platform/db/connection';
import type { Logger } from '../../platform/util/logger';
import { ApiError } from '../../../shared/errors';
import { canonicalJson } from '../../../shared/canonical';
import { parseContractRef } from '../../../shared/sync/protocol';
import { newUlid } from '../../platform/util/ulid';
import type { GuardActor, GuardContext, GuardContract, GuardResult } from '../../../shared/policy/types';
import {
  LANES,
  RUN_STATUSES,
  type Approval,
  type ApprovalState,
  type DecisionOption,
  type ExecutorName,
  type InvariantResult,
  type Lane,
  type ManifestLoadError,
  type RunDetail,
  type RunError,
  type RunInfoPage,
  type RunStatus,
  type RunStepDetail,
  type RunInfo,
  type StepStatus,
  type WorkflowManifest,
  type WorkflowStep,
  type DecisionCard,
} from '../../../shared/workflow/types';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import { createCardStore, toJsonValue, type CardStore, type NewCard } from '../cards/index';
import {
  EXECUTOR_REGISTRY,
  type AiFacts,
  type Estimate,
  type Executor,
  type ExecutorDeps,
  type PriorStep,
  type StepContext,
  type StepResult,
} from './executors/index';
import { executorName, loadManifestDir, loadManifestTree, summaryOf, type LoadedManifest } from './manifest';
import type { ResourceTree } from '../bundles/tree';
import { failClosed, isApprovalInvariantDefault, isGuardResult, judge, reasonsOf, type Guard } from './guard';
import { sha256Hex as sha256 } from '../../../platform/hash';

export const SERVICE_ACTOR = 'service:runs';

export type BoundaryPhase = 'run.created' | 'step.before' | 'step.commit.before' | 'step.commit.inside' | 'step.commit.after' | 'compensate.inside';

export type RunEvent =
  | { type: 'run.changed'; runId: string; status: RunStatus }
  | { type: 'step.boundary'; runId: string; stepId: string | null; index: number; phase: BoundaryPhase };

/** What the engine needs: everything its executors may touch, plus the guard and configuration. */
export interface RunServiceDeps extends ExecutorDeps {
  guard: Guard;
  /** Bundled resources; without `workflows`, manifests are read from `<resourcesDir>/workflows`. */
  resourcesDir: string;
  /**
   * The workflow tree (the active, verified workflow bundle), asked again on every reloadWorkflows();
   * manifests are its top-level *.yaml / *.yml / *.json. null = no workflow bundle: no workflows,
   * one load error. Absent → `<resourcesDir>/workflows`.
   */
  workflows?: () => ResourceTree | null;
  logger: Logger;
  /** Tests only: replace an allowlisted executor's implementation (the allowlist cannot grow). */
  executors?: Partial<Record<ExecutorName, Executor>>;
  /** Called inside the writing transaction when a card is recorded or gains an approval (team sync). */
  onCardChange?: (card: DecisionCard) => void;
  /**
   * Failed invariants that only an approval can satisfy (the run waits for a reviewer instead of
   * failing). Default: INV.APPROVAL / INV.APPROVAL.*, and any invariant that reads approval.state.
   */
  isApprovalInvariant?: (r: InvariantResult) => boolean;
  /**
   * Where things are, for the policy's residency rules: `region` = this device's region (the actor's,
   * unless the actor carries one), `residency` = the residency of the run's data (a key of the
   * policy's `regions`), `serverRegion` = where a submit's data goes. Absent → not passed, and a
   * policy that needs them fails closed.
   */
  locality?: { region?: string; residency?: string; serverRegion?: string };
}

export interface StartInput {
  /** `name@version`, or a bare name for its highest loaded version. */
  workflow: string;
  input: unknown;
  /** Who starts it; default: the local profile. */
  actor?: GuardActor;
}

export interface DecideInput {
  decision: 'approved' | 'rejected';
  comment: string;
  actor: GuardActor;
  /** Team sync: the device and certificate the decision was signed under (recorded on the card). */
  via?: { device: string; certVersion: number; approvalId: string };
  /** The card the decision names: CONFLICT unless the run waits on exactly this card. */
  expectCard?: string;
  /** Runs inside the decision's transaction (team sync queues the signed approval with it). */
  within?: () => void;
}

export interface RunListQuery {
  status?: RunStatus;
  workflow?: string;
  /** 1..500, default 100. */
  limit?: number;
  /** Runs older than this id (the previous page's nextBeforeId). */
  beforeId?: string;
}

export interface RunService {
  /** Loaded workflow manifests. */
  workflows(): WorkflowInfo[];
  /** Manifest files refused at the last load (file, line, reason). */
  loadErrors(): ManifestLoadError[];
  /** Re-read the workflow tree or resources/workflows (running runs keep the manifest they started with). */
  reloadWorkflows(): { workflows: WorkflowInfo[]; errors: ManifestLoadError[] };
  /**
   * Validate the input against the workflow's input contract (VALIDATION_ERROR, nothing written),
   * create the run and drive it until it rests (succeeded, failed, rolled_back, awaiting_approval).
   * `wait: false` returns as soon as the run exists and drives it in the background.
   */
  start(input: StartInput, opts?: { wait?: boolean }): Promise<RunDetail>;
  get(runId: string): RunDetail;
  list(q?: RunListQuery): RunInfoPage;
  /** A reviewer or admin approves (the run resumes) or rejects (the run fails and compensates). */
  decide(runId: string, d: DecideInput): Promise<RunDetail>;
  /** Continue every pending, running and compensating run (call once at startup). */
  resumeAll(): Promise<RunInfo[]>;
  /** Run changes and step boundaries (the crash tests kill the process at a boundary). */
  subscribe(fn: (e: RunEvent) => void): () => void;
  /** Resolves when no run is being driven in the background. */
  idle(): Promise<void>;
  cards: CardStore;
}

interface RunRow {
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

interface StepRow {
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
class StaleRun extends Error {
  constructor(runId: string) {
    super(`run ${runId} changed under this driver`);
  }
}

const laneRank = (l: Lane) => LANES.indexOf(l);
const errMessage = (e: unknown): string => (e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));
const isUniqueViolation = (e: unknown) =>
  e instanceof Error && (e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') === true && /run_steps/.test(e.message);

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

export function createRunService(deps: RunServiceDeps): RunService {
  return new RunEngine(deps);
}

class RunEngine implements RunService {
  readonly cards: CardStore;
  private readonly executors: Readonly<Record<ExecutorName, Executor>>;
  private readonly isApproval: (r: InvariantResult) => boolean;
  private readonly exDeps: ExecutorDeps;
  private byRef = new Map<string, LoadedManifest>();
  private errors: ManifestLoadError[] = [];
  private readonly manifestCache = new Map<string, WorkflowManifest>();
  private readonly listeners = new Set<(e: RunEvent) => void>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly db: Db;

  constructor(private readonly d: RunServiceDeps) {
    this.db = d.db;
    this.cards = createCardStore({ db: d.db, clock: d.clock, audit: d.audit, onChange: d.onCardChange });
    this.executors = Object.freeze({ ...EXECUTOR_REGISTRY, ...(d.executors ?? {}) });
    this.isApproval = d.isApprovalInvariant ?? isApprovalInvariantDefault;
    this.exDeps = {
      db: d.db,
      clock: d.clock,
      audit: d.audit,
      profile: d.profile,
      contracts: d.contracts,
      capture: d.capture,
      outbox: d.outbox,
      governance: d.governance,
      inference: d.inference,
      memory: d.memory,
    };
    this.reloadWorkflows();
  }

  // ---------------------------------------------------------------- manifests

  reloadWorkflows() {
    const r = this.d.workflows
      ? this.loadFromProvider(this.d.workflows)
      : loadManifestDir(join(this.d.resourcesDir, 'workflows'), this.d.contracts, this.executors);
    this.byRef = new Map(r.manifests.map((m) => [m.manifest.workflow, m]));
    this.errors = r.errors;
    for (const e of r.errors) this.d.logger.warn('workflow manifest refused', { code: 'WORKFLOW_LOAD_FAILED', file: e.file, line: e.line, reason: e.reason });
    return { workflows: this.workflows(), errors: this.loadErrors() };
  }

  private loadFromProvider(provider: () => ResourceTree | null): { manifests: LoadedManifest[]; errors: ManifestLoadError[] } {
    let tree: ResourceTree | null;
    try {
      tree = provider();
    } catch (e) {
      return { manifests: [], errors: [{ file: 'workflows', line: 0, reason: `cannot open the workflow bundle: ${(e as Error).message}` }] };
    }
    if (!tree) return { manifests: [], errors: [{ file: 'workflows', line: 0, reason: 'no verified workflow bundle is active' }] };
    return loadManifestTree(tree, this.d.contracts, this.executors);
  }

  workflows(): WorkflowInfo[] {
    return [...this.byRef.values()].map(summaryOf).sort((a, b) => a.workflow.localeCompare(b.workflow));
  }

  loadErrors(): ManifestLoadError[] {
    return this.errors.map((e) => ({ ...e }));
  }

  private findManifest(ref: string): LoadedManifest {
    const exact = this.byRef.get(ref);
    if (exact) return exact;
    if (!ref.includes('@')) {
      const best = [...this.byRef.values()]
        .filter((m) => m.manifest.workflow.split('@')[0] === ref)
        .sort((a, b) => {
          const va = a.manifest.workflow.split('@')[1]!.split('.').map(Number);
          const vb = b.manifest.workflow.split('@')[1]!.split('.').map(Number);
          return vb[0]! - va[0]! || vb[1]! - va[1]! || vb[2]! - va[2]!;
        })[0];
      if (best) return best;
    }
    throw new ApiError('NOT_FOUND', `Unknown workflow ${ref}`);
  }

  private manifestOf(row: RunRow): WorkflowManifest {
    let m = this.manifestCache.get(row.manifest_digest);
    if (!m) {
      m = JSON.parse(row.manifest) as WorkflowManifest;
      this.manifestCache.set(row.manifest_digest, m);
    }
    return m;
  }

  // ---------------------------------------------------------------- plumbing

  subscribe(fn: (e: RunEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: RunEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.d.logger.warn('run event listener failed', { code: 'RUN_LISTENER_FAILED', error: errMessage(err) });
      }
    }
  }

  private boundary(runId: string, stepId: string | null, index: number, phase: BoundaryPhase): void {
    this.emit({ type: 'step.boundary', runId, stepId, index, phase });
  }

  private changed(runId: string): void {
    const st = this.db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId) as RunStatus | undefined;
    if (st) this.emit({ type: 'run.changed', runId, status: st });
  }

  private now(): Date {
    return this.d.clock.now();
  }

  private row(runId: string): RunRow {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No run ${runId}`);
    return r;
  }

  private stepRows(runId: string): StepRow[] {
    return this.db.prepare('SELECT * FROM run_steps WHERE run_id = ? ORDER BY step_index').all(runId) as StepRow[];
  }

  private elapsed(row: RunRow, nowMs: number): number {
    return row.active_ms + (row.segment_started_at ? Math.max(0, nowMs - Date.parse(row.segment_started_at)) : 0);
  }

  private audit(actor: string, action: string, runId: string, payload: Record<string, unknown>) {
    return this.d.audit.append({ actor, action, subject: runId, payload: toJsonValue(payload) });
  }

  private profileActor(): GuardActor {
    const p = this.d.profile.require();
    return { id: p.id, role: p.role, tenant: p.tenant };
  }

  private contractFacts(ref: string): GuardContract | undefined {
    if (!this.d.contracts.has(ref)) return undefined;
    const doc = this.d.contracts.get(ref).doc;
    const name = parseContractRef(ref)?.name;
    const latest = name ? this.d.contracts.versions()[name] : undefined;
    return {
      contract: doc.contract,
      kind: doc.kind,
      pii: [...doc.pii],
      riskHints: { ...doc.riskHints },
      latestMajor: latest ? Number(latest.split('.')[0]) : undefined,
    };
  }

  private approvalOf(row: RunRow): Approval {
    return { state: row.approval_state, by: row.approval_by, at: row.approval_at, comment: row.approval_comment };
  }

  private async callGuard(ctx: GuardContext): Promise<GuardResult> {
    try {
      const r = await this.d.guard.guard(ctx);
      if (!isGuardResult(r)) return failClosed('the guard returned no result');
      return r;
    } catch (e) {
      return failClosed(errMessage(e));
    }
  }

  private guardContext(
    event: string,
    row: RunRow,
    nowMs: number,
    o: {
      actor?: GuardActor;
      step?: WorkflowStep;
      est?: Estimate;
      ai?: AiFacts | null;
      output?: Record<string, unknown>;
      actualCostCents?: number;
      decision?: GuardContext['decision'];
    } = {},
  ): GuardContext {
    const exec = o.step ? executorName(o.step.uses) : null;
    const params = (o.step?.with ?? {}) as Record<string, unknown>;
    const contractRef = exec === 'submit' && typeof params.contract === 'string' ? params.contract : row.input_contract;
    const contract = this.contractFacts(contractRef);
    const loc = this.d.locality ?? {};
    const actor = { ...(o.actor ?? (JSON.parse(row.actor) as GuardActor)) };
    if (actor.region === undefined && loc.region !== undefined) actor.region = loc.region;
    const ctx: GuardContext = {
      event,
      action: exec ? `step.execute:${exec}` : event,
      actor,
      run: {
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
        elapsedMs: this.elapsed(row, nowMs),
      },
      subject: { kind: 'run', id: row.id, tenant: row.tenant, ownerId: row.started_by, ...(loc.residency !== undefined ? { residency: loc.residency } : {}) },
      data: dataHeadingOut(exec, JSON.parse(row.input) as Record<string, unknown>, contract?.pii ?? [], o.ai?.inputs ?? []),
      approval: { state: row.approval_state, by: row.approval_by, comment: row.approval_comment },
      now: new Date(nowMs).toISOString(),
    };
    if (loc.residency !== undefined) ctx.run!.residency = loc.residency;
    if (contract) ctx.contract = contract;
    const destination = destinationOf(exec, loc.serverRegion);
    if (destination) ctx.destination = destination;
    if (o.step && exec) {
      ctx.step = { id: o.step.id, executor: exec, with: structuredClone(params) };
      if (o.est) Object.assign(ctx.step, { estimatedCostCents: o.est.costCents, estimatedTokens: o.est.tokens, estimatedMs: o.est.latencyMs });
      if (o.output) Object.assign(ctx.step, { output: structuredClone(o.output), actualCostCents: o.actualCostCents ?? 0 });
    }
    if (o.ai) ctx.ai = { modelId: o.ai.modelId, inputs: o.ai.inputs.map((x) => ({ ...x })), uncertainty: o.ai.uncertainty };
    if (o.decision) ctx.decision = o.decision;
    if (this.d.governance) {
      try {
        ctx.sync = { lastSyncAt: this.d.governance.status().lastSyncAt };
      } catch {
        // No profile or sync state yet: the guard sees no sync facts.
      }
    }
    return ctx;
  }

  /** The engine's own budget checks, reported like invariants (they show on the card). */
  private budgetChecks(row: RunRow, est: Estimate, elapsedMs: number): InvariantResult[] {
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

  private stepCard(
    row: RunRow,
    step: WorkflowStep,
    g: GuardResult,
    engine: InvariantResult[],
    c: {
      options: DecisionOption[];
      chosen: string | null;
      rationale: string;
      status: NewCard['status'];
      modelId: string | null;
      nextSafeStep: string | null;
      after?: GuardResult | null;
      memoryIds?: string[];
    },
  ): NewCard {
    const ex = executorName(step.uses);
    const after = c.after ?? null;
    const lane = after && laneRank(after.lane) > laneRank(g.lane) ? after.lane : g.lane;
    return {
      kind: 'step',
      runId: row.id,
      stepId: step.id,
      subject: `${row.workflow} · ${step.id} (${ex})${step.title ? `: ${step.title}` : ''}`,
      options: c.options,
      chosen: c.chosen,
      rationale: c.rationale,
      invariants: [...g.invariants, ...engine, ...(after?.invariants ?? [])],
      policy: after && after.policy.decision === 'deny' ? after.policy : g.policy,
      lane,
      laneReasons: [...new Set([...g.laneReasons, ...(after?.laneReasons ?? [])])],
      evidence: { memoryIds: [...new Set(c.memoryIds ?? [])], bundleDigests: [`sha256:${row.manifest_digest}`], modelId: c.modelId },
      nextSafeStep: c.nextSafeStep,
      status: c.status,
    };
  }

  // ---------------------------------------------------------------- start

  async start(inp: StartInput, opts: { wait?: boolean } = {}): Promise<RunDetail> {
    const loaded = this.findManifest(inp.workflow);
    const m = loaded.manifest;
    const actor = inp.actor ?? this.profileActor();
    // A run whose input fails its contract never starts: nothing is written.
    this.d.contracts.validate(m.input.contract, inp.input);
    const input = canonicalJson(inp.input);
    const nowD = this.now();
    const now = nowD.toISOString();
    const row: RunRow = {
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
    const g = await this.callGuard(this.guardContext('run.start', row, nowD.getTime()));
    const verdict = judge(g, [], false, this.isApproval);
    const who = `user:${actor.id}`;
    this.db.transaction(() => {
      const card = this.cards.record(
        {
          kind: 'run.start',
          runId: row.id,
          stepId: null,
          subject: `${row.workflow} · start run ${row.id}`,
          options: [
            {
              id: 'start',
              label: `Start ${m.title}`,
              predictedQuality: 1,
              predictedCostCents: m.budgets.costCents,
              latencyMs: m.budgets.wallTimeMs,
              uncertainty: 0.2,
            },
            { id: 'refuse', label: 'Do not start', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 0 },
          ],
          chosen: verdict === 'block' ? 'refuse' : 'start',
          rationale:
            verdict === 'allow'
              ? `The input satisfies ${m.input.contract}; ${g.policy.reasons.join('; ') || 'the guard allowed the start'}.`
              : verdict === 'wait'
                ? `The start waits for a reviewer: ${reasonsOf(g, []).join('; ')}`
                : `The start was refused: ${reasonsOf(g, []).join('; ')}`,
          invariants: g.invariants,
          policy: g.policy,
          lane: g.lane,
          laneReasons: g.laneReasons,
          evidence: { memoryIds: [], bundleDigests: [`sha256:${row.manifest_digest}`], modelId: null },
          nextSafeStep: verdict === 'allow' ? null : g.nextSafeStep,
          status: verdict === 'allow' ? 'allowed' : verdict === 'wait' ? 'awaiting_approval' : 'denied',
        },
        SERVICE_ACTOR,
      );
      const error: RunError | null =
        verdict === 'block'
          ? {
              code: 'BLOCKED',
              message: 'The guard refused to start the run',
              stepId: null,
              reasons: reasonsOf(g, []),
              nextSafeStep: g.nextSafeStep,
              cardId: card.id,
            }
          : null;
      const status: RunStatus = verdict === 'allow' ? 'pending' : verdict === 'wait' ? 'awaiting_approval' : 'failed';
      this.db
        .prepare(
          `INSERT INTO runs (id, workflow, title, manifest_digest, manifest, input_contract, input, input_digest, status, actor, started_by, tenant,
             budget_tokens, budget_cost_cents, budget_wall_ms, lane, approval_state, awaiting_card, error, created_at, updated_at, finished_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.id,
          row.workflow,
          row.title,
          row.manifest_digest,
          row.manifest,
          row.input_contract,
          row.input,
          row.input_digest,
          status,
          row.actor,
          row.started_by,
          row.tenant,
          row.budget_tokens,
          row.budget_cost_cents,
          row.budget_wall_ms,
          g.lane,
          verdict === 'wait' ? 'pending' : 'not_required',
          verdict === 'wait' ? card.id : null,
          error ? canonicalJson(error) : null,
          now,
          now,
          verdict === 'block' ? now : null,
        );
      this.audit(who, 'run.created', row.id, {
        workflow: row.workflow,
        manifestDigest: row.manifest_digest,
        inputContract: row.input_contract,
        inputDigest: row.input_digest,
        status,
        card: card.id,
      });
      if (verdict === 'wait') this.audit(SERVICE_ACTOR, 'run.awaiting_approval', row.id, { step: null, card: card.id, reasons: reasonsOf(g, []) });
      if (verdict === 'block') this.audit(SERVICE_ACTOR, 'run.failed', row.id, { error });
    })();
    this.changed(row.id);
    this.boundary(row.id, null, -1, 'run.created');
    if (opts.wait === false) {
      void this.drive(row.id).catch((e: unknown) => this.d.logger.error('run drive failed', { code: 'RUN_DRIVE_FAILED', run: row.id, error: errMessage(e) }));
      return this.get(row.id);
    }
    await this.drive(row.id);
    return this.get(row.id);
  }

  // ---------------------------------------------------------------- drive

  /** One driver per run in this process; a second call queues behind the first and re-reads. */
  private drive(runId: string): Promise<void> {
    const prev = this.active.get(runId) ?? Promise.resolve();
    const p = prev.catch(() => undefined).then(() => this.loop(runId));
    this.active.set(runId, p);
    const clear = () => {
      if (this.active.get(runId) === p) this.active.delete(runId);
    };
    p.then(clear, clear);
    return p;
  }

  async idle(): Promise<void> {
    while (this.active.size) await Promise.allSettled([...this.active.values()]);
  }

  private async loop(runId: string): Promise<void> {
    for (let guardCount = 0; guardCount < 10_000; guardCount++) {
      const row = this.row(runId);
      try {
        switch (row.status) {
          case 'pending':
            this.begin(row);
            break;
          case 'compensating':
            this.compensateAll(row);
            break;
          case 'running':
            if (await this.stepOnce(row)) return;
            break;
          default:
            return;
        }
      } catch (e) {
        if (!(e instanceof StaleRun)) throw e; // another driver moved the run on: re-read
      }
    }
    throw new Error(`run ${runId}: the driver did not settle`);
  }

  private begin(row: RunRow): void {
    const now = this.now().toISOString();
    this.db.transaction(() => {
      const res = this.db
        .prepare("UPDATE runs SET status = 'running', segment_started_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'")
        .run(now, now, row.id);
      if (res.changes !== 1) throw new StaleRun(row.id);
      this.audit(SERVICE_ACTOR, 'run.started', row.id, { workflow: row.workflow });
    })();
    this.changed(row.id);
  }

  private prior(rows: StepRow[]): PriorStep[] {
    return rows.map((r) => ({ id: r.step_id, executor: r.executor, output: JSON.parse(r.output) as Record<string, unknown>, uncertainty: r.uncertainty }));
  }

  /** Try the next step. true = the run rests (waiting or done); false = loop again. */
  private async stepOnce(row: RunRow): Promise<boolean> {
    const m = this.manifestOf(row);
    if (row.next_step >= m.steps.length) {
      this.finish(row);
      return false;
    }
    const index = row.next_step;
    const step = m.steps[index]!;
    const exName = executorName(step.uses);
    const ex = this.executors[exName];
    this.boundary(row.id, step.id, index, 'step.before');
    const doneRows = this.stepRows(row.id);
    const prior = this.prior(doneRows);
    const leftAt = this.now().getTime();
    const ctx: StepContext = {
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
      prior,
      guard: null,
      approval: this.approvalOf(row),
      // What the run has left: the AI steps size their model calls by it.
      budgetLeft: {
        tokens: row.budget_tokens - row.used_tokens,
        costCents: row.budget_cost_cents - row.spent_cents,
        wallMs: row.budget_wall_ms - this.elapsed(row, leftAt),
      },
      deps: this.exDeps,
    };
    let est: Estimate;
    let options: DecisionOption[];
    let ai: AiFacts | null;
    try {
      est = ex.estimate(ctx);
      options = ex.options(ctx, est);
      ai = (await ex.ai?.(ctx)) ?? null;
    } catch (e) {
      // The executor could not even prepare (e.g. its contract is gone): the step fails, the saga runs.
      const notAsked: GuardResult = {
        ...failClosed('not asked: the executor could not prepare'),
        policy: { decision: 'deny', reasons: ['not asked: the executor could not prepare'], policyVersion: null },
      };
      this.failStep(row, step, notAsked, [], [], null, e);
      return false;
    }
    const startedAt = this.now();
    const elapsed = this.elapsed(row, startedAt.getTime());
    const g = await this.callGuard(this.guardContext('step.before', row, startedAt.getTime(), { step, est, ai }));
    const engine = this.budgetChecks(row, est, elapsed);
    const approved = row.approval_state === 'approved';
    const verdict = judge(g, engine, approved, this.isApproval);
    if (verdict === 'wait') {
      this.enterWait(
        row,
        step,
        index,
        this.stepCard(row, step, g, engine, {
          options,
          chosen: null,
          rationale: `Waiting for a reviewer before ${step.id}: ${reasonsOf(g, engine).join('; ')}`,
          status: 'awaiting_approval',
          modelId: ai?.modelId ?? null,
          nextSafeStep: g.nextSafeStep ?? `A reviewer or admin approves or rejects run ${row.id}`,
        }),
        reasonsOf(g, engine),
      );
      return true;
    }
    if (verdict === 'block') {
      const budget = engine.some((i) => !i.pass);
      const reasons = reasonsOf(g, engine);
      const nextSafeStep = g.nextSafeStep ?? (budget ? 'Raise the budget in the workflow manifest, or start the run with a smaller input' : null);
      const card = this.stepCard(row, step, g, engine, {
        options,
        chosen: null,
        rationale: `Blocked before ${step.id}: ${reasons.join('; ')}`,
        status: 'denied',
        modelId: ai?.modelId ?? null,
        nextSafeStep,
      });
      this.fail(
        row,
        {
          code: budget ? 'BUDGET_EXCEEDED' : 'BLOCKED',
          message: budget ? `Budget exceeded before ${step.id}` : `The guard blocked ${step.id}`,
          stepId: step.id,
          reasons,
          nextSafeStep,
          cardId: null,
        },
        card,
        'run.step.blocked',
      );
      return false;
    }
    ctx.guard = g;
    let result: StepResult;
    try {
      result = await ex.execute(ctx);
    } catch (e) {
      this.failStep(row, step, g, engine, options, ai, e);
      return false;
    }
    if (result.wait) {
      this.enterWait(
        row,
        step,
        index,
        this.stepCard(row, step, g, engine, {
          options,
          chosen: result.chosen,
          rationale: result.rationale,
          status: 'awaiting_approval',
          modelId: result.modelId ?? ai?.modelId ?? null,
          nextSafeStep: result.wait.nextSafeStep,
          memoryIds: result.memoryIds,
        }),
        [result.wait.reason],
      );
      return true;
    }
    // step.after: the output is known; the guard may still refuse to accept it.
    const afterAt = this.now().getTime();
    const after = await this.callGuard(
      this.guardContext('step.after', row, afterAt, {
        step,
        est,
        ai: ai ? { ...ai, modelId: result.modelId ?? ai.modelId, uncertainty: result.uncertainty ?? ai.uncertainty } : null,
        output: result.output,
        actualCostCents: result.usage.costCents,
      }),
    );
    const afterVerdict = judge(after, [], approved, this.isApproval);
    if (afterVerdict !== 'allow') {
      const reasons = reasonsOf(after, []);
      const card = this.stepCard(row, step, g, engine, {
        options,
        chosen: result.chosen,
        rationale: `${afterVerdict === 'wait' ? 'Waiting for a reviewer to accept' : 'Refused'} the output of ${step.id}: ${reasons.join('; ')}`,
        status: afterVerdict === 'wait' ? 'awaiting_approval' : 'denied',
        modelId: result.modelId ?? ai?.modelId ?? null,
        nextSafeStep: after.nextSafeStep,
        after,
        memoryIds: result.memoryIds,
      });
      if (afterVerdict === 'wait') {
        this.enterWait(row, step, index, card, reasons);
        return true;
      }
      this.fail(
        row,
        { code: 'BLOCKED', message: `The guard refused the output of ${step.id}`, stepId: step.id, reasons, nextSafeStep: after.nextSafeStep, cardId: null },
        card,
        'run.step.blocked',
      );
      return false;
    }
    const card = this.stepCard(row, step, g, engine, {
      options,
      chosen: result.chosen,
      rationale: result.rationale,
      status: 'allowed',
      modelId: result.modelId ?? ai?.modelId ?? null,
      nextSafeStep: null,
      after,
      memoryIds: result.memoryIds,
    });
    this.boundary(row.id, step.id, index, 'step.commit.before');
    try {
      this.commitStep(row, step, index, doneRows, result, card, startedAt);
    } catch (e) {
      if (e instanceof StaleRun || isUniqueViolation(e)) {
        // Another driver finished this step first: nothing of ours was committed. Re-read.
        this.d.logger.warn('step already committed by another driver', { code: 'RUN_STEP_RACE', run: row.id, step: step.id });
        return false;
      }
      this.failStep(row, step, g, engine, options, ai, e);
      return false;
    }
    this.boundary(row.id, step.id, index, 'step.commit.after');
    this.changed(row.id);
    this.checkActualBudgets(row.id, step);
    return false;
  }

  private stepInputDigest(row: RunRow, step: WorkflowStep, doneRows: StepRow[]): string {
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

  private commitStep(row: RunRow, step: WorkflowStep, index: number, doneRows: StepRow[], result: StepResult, card: NewCard, startedAt: Date): void {
    const inputDigest = this.stepInputDigest(row, step, doneRows);
    this.db.transaction(() => {
      const effects = result.commit?.() ?? {};
      const output = canonicalJson(toJsonValue({ ...result.output, ...effects }));
      const finished = this.now();
      const tokens = Math.max(0, Math.round(result.usage.tokens));
      const cost = Math.max(0, Math.round(result.usage.costCents));
      const exName = executorName(step.uses);
      const entry = this.audit(SERVICE_ACTOR, 'run.step.succeeded', row.id, {
        step: step.id,
        index,
        executor: exName,
        inputDigest,
        outputSha256: sha256(output),
        tokens,
        costCents: cost,
      });
      const recorded = this.cards.record(card, SERVICE_ACTOR);
      this.db
        .prepare(
          `INSERT INTO run_steps (run_id, step_index, step_id, executor, manifest_digest, input_digest, status, output, tokens, cost_cents, uncertainty, started_at, finished_at, audit_seq, card_id)
           VALUES (?, ?, ?, ?, ?, ?, 'succeeded', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.id,
          index,
          step.id,
          exName,
          row.manifest_digest,
          inputDigest,
          output,
          tokens,
          cost,
          result.uncertainty ?? null,
          startedAt.toISOString(),
          finished.toISOString(),
          entry.seq,
          recorded.id,
        );
      const nowMs = finished.getTime();
      const res = this.db
        .prepare(
          `UPDATE runs SET next_step = next_step + 1, used_tokens = used_tokens + ?, spent_cents = spent_cents + ?, active_ms = ?, segment_started_at = ?,
             lane = COALESCE(?, lane), updated_at = ? WHERE id = ? AND status = 'running' AND next_step = ?`,
        )
        .run(tokens, cost, this.elapsed(row, nowMs), finished.toISOString(), result.lane ?? null, finished.toISOString(), row.id, index);
      if (res.changes !== 1) throw new StaleRun(row.id);
      this.boundary(row.id, step.id, index, 'step.commit.inside');
    })();
  }

  /** After a step: what it really used may have gone over a budget (the estimate was low). */
  private checkActualBudgets(runId: string, step: WorkflowStep): void {
    const row = this.row(runId);
    if (row.status !== 'running') return;
    const over: string[] = [];
    if (row.used_tokens > row.budget_tokens)
      over.push(`INV.ENGINE.BUDGET_TOKENS: Token budget exceeded: ${row.used_tokens} used > ${row.budget_tokens} tokens`);
    if (row.spent_cents > row.budget_cost_cents)
      over.push(`INV.ENGINE.BUDGET_COST: Cost budget exceeded: ${row.spent_cents} spent > ${row.budget_cost_cents} cents`);
    const elapsed = this.elapsed(row, this.now().getTime());
    if (elapsed > row.budget_wall_ms) over.push(`INV.ENGINE.WALL_TIME: Wall-time budget exceeded: ${elapsed} > ${row.budget_wall_ms} ms`);
    if (!over.length) return;
    this.fail(
      row,
      {
        code: 'BUDGET_EXCEEDED',
        message: `Budget exceeded by ${step.id}`,
        stepId: step.id,
        reasons: over,
        nextSafeStep: 'Raise the budget in the workflow manifest, or start the run with a smaller input',
        cardId: null,
      },
      null,
      'run.budget_exceeded',
    );
  }

  private failStep(
    row: RunRow,
    step: WorkflowStep,
    g: GuardResult,
    engine: InvariantResult[],
    options: DecisionOption[],
    ai: AiFacts | null,
    e: unknown,
  ): void {
    const message = errMessage(e);
    const details = e instanceof ApiError && e.details && typeof e.details === 'object' ? (e.details as { reasons?: unknown }) : null;
    const reasons = [message, ...(Array.isArray(details?.reasons) ? (details.reasons as unknown[]).map(String) : [])];
    const card = this.stepCard(row, step, g, engine, {
      options,
      chosen: null,
      rationale: `The guard allowed ${step.id}, then it failed: ${message}`,
      status: 'allowed',
      modelId: ai?.modelId ?? null,
      nextSafeStep: null,
    });
    this.fail(
      row,
      { code: 'STEP_FAILED', message: `${step.id} failed: ${message}`, stepId: step.id, reasons, nextSafeStep: null, cardId: null },
      card,
      'run.step.failed',
    );
  }

  private enterWait(row: RunRow, step: WorkflowStep | null, index: number, card: NewCard, reasons: string[]): void {
    const now = this.now();
    try {
      this.db.transaction(() => {
        const recorded = this.cards.record(card, SERVICE_ACTOR);
        const res = this.db
          .prepare(
            `UPDATE runs SET status = 'awaiting_approval', approval_state = 'pending', approval_by = NULL, approval_at = NULL, approval_comment = NULL,
               awaiting_card = ?, active_ms = ?, segment_started_at = NULL, lane = ?, updated_at = ? WHERE id = ? AND status = 'running' AND next_step = ?`,
          )
          .run(recorded.id, this.elapsed(row, now.getTime()), card.lane, now.toISOString(), row.id, index);
        if (res.changes !== 1) throw new StaleRun(row.id);
        this.audit(SERVICE_ACTOR, 'run.awaiting_approval', row.id, { step: step?.id ?? null, card: recorded.id, lane: card.lane, reasons });
      })();
    } catch (e) {
      if (e instanceof StaleRun) return;
      throw e;
    }
    this.changed(row.id);
  }

  /**
   * The run cannot go on: record why (and the card, and `action`'s audit entry) and start the saga:
   * compensating when a finished step has a compensation, else failed. In its own transaction, or
   * the caller's.
   */
  private fail(row: RunRow, error: RunError, card: NewCard | null, action: string, from: RunStatus[] = ['running']): void {
    try {
      this.db.transaction(() => {
        const recorded = card ? this.cards.record(card, SERVICE_ACTOR) : null;
        const err: RunError = { ...error, cardId: recorded?.id ?? error.cardId };
        this.audit(SERVICE_ACTOR, action, row.id, { step: err.stepId, code: err.code, reasons: err.reasons, card: err.cardId });
        this.beginFailure(row.id, err, from);
      })();
    } catch (e) {
      if (e instanceof StaleRun) return;
      throw e;
    }
    this.changed(row.id);
  }

  private compensable(runId: string, m: WorkflowManifest): StepRow[] {
    const withComp = new Set(m.steps.filter((s) => s.compensate).map((s) => s.id));
    return this.stepRows(runId)
      .filter((r) => r.status === 'succeeded' && withComp.has(r.step_id) && r.compensation_error === null)
      .sort((a, b) => b.step_index - a.step_index);
  }

  /** Inside a transaction. */
  private beginFailure(runId: string, error: RunError, from: RunStatus[]): void {
    const row = this.row(runId);
    if (!from.includes(row.status)) throw new StaleRun(runId);
    const now = this.now();
    const todo = this.compensable(runId, this.manifestOf(row));
    const status: RunStatus = todo.length ? 'compensating' : 'failed';
    this.db
      .prepare(`UPDATE runs SET status = ?, error = ?, active_ms = ?, segment_started_at = NULL, updated_at = ?, finished_at = ? WHERE id = ?`)
      .run(
        status,
        canonicalJson(toJsonValue(error)),
        this.elapsed(row, now.getTime()),
        now.toISOString(),
        status === 'failed' ? now.toISOString() : null,
        runId,
      );
    if (todo.length) this.audit(SERVICE_ACTOR, 'run.compensating', runId, { code: error.code, steps: todo.map((r) => r.step_id) });
    else this.audit(SERVICE_ACTOR, 'run.failed', runId, { code: error.code, message: error.message, step: error.stepId });
  }

  /** The saga: undo finished steps in reverse order, each in its own transaction, then settle. */
  private compensateAll(row: RunRow): void {
    const m = this.manifestOf(row);
    const error = row.error ? (JSON.parse(row.error) as RunError) : null;
    const reason = error ? `Run ${row.id} ${error.code}: ${error.message}` : `Run ${row.id} is being rolled back`;
    for (const r of this.compensable(row.id, m)) {
      const step = m.steps.find((s) => s.id === r.step_id)!;
      const name = step.compensate!;
      const fn = this.executors[r.executor].compensations[name]!;
      try {
        this.db.transaction(() => {
          const result = toJsonValue(
            fn({ runId: row.id, stepId: r.step_id, actor: SERVICE_ACTOR, reason, output: JSON.parse(r.output) as Record<string, unknown>, deps: this.exDeps }),
          );
          const res = this.db
            .prepare(
              "UPDATE run_steps SET status = 'compensated', compensated_at = ?, compensation = ? WHERE run_id = ? AND step_id = ? AND status = 'succeeded' AND compensation_error IS NULL",
            )
            .run(this.now().toISOString(), canonicalJson(result), row.id, r.step_id);
          if (res.changes !== 1) throw new StaleRun(row.id);
          this.audit(SERVICE_ACTOR, 'run.step.compensated', row.id, { step: r.step_id, compensation: name, result });
          this.boundary(row.id, r.step_id, r.step_index, 'compensate.inside');
        })();
      } catch (e) {
        if (e instanceof StaleRun) return;
        const msg = errMessage(e);
        this.db.transaction(() => {
          this.db
            .prepare('UPDATE run_steps SET compensation_error = ? WHERE run_id = ? AND step_id = ? AND compensation_error IS NULL')
            .run(msg, row.id, r.step_id);
          this.audit(SERVICE_ACTOR, 'run.step.compensation_failed', row.id, { step: r.step_id, compensation: name, error: msg });
        })();
      }
    }
    const failures = this.stepRows(row.id).filter((r) => r.compensation_error !== null);
    const now = this.now().toISOString();
    const status: RunStatus = failures.length ? 'failed' : 'rolled_back';
    const settled: RunError | null = error
      ? failures.length
        ? { ...error, reasons: [...error.reasons, ...failures.map((f) => `Compensation of ${f.step_id} failed: ${f.compensation_error}`)] }
        : error
      : null;
    this.db.transaction(() => {
      const res = this.db
        .prepare("UPDATE runs SET status = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ? AND status = 'compensating'")
        .run(status, settled ? canonicalJson(settled) : null, now, now, row.id);
      if (res.changes !== 1) return;
      this.audit(SERVICE_ACTOR, status === 'rolled_back' ? 'run.rolled_back' : 'run.failed', row.id, {
        code: error?.code ?? null,
        compensated: this.stepRows(row.id)
          .filter((r) => r.status === 'compensated')
          .map((r) => r.step_id),
        compensationFailed: failures.map((f) => f.step_id),
      });
    })();
    this.changed(row.id);
  }

  private finish(row: RunRow): void {
    const now = this.now();
    this.db.transaction(() => {
      const res = this.db
        .prepare(
          "UPDATE runs SET status = 'succeeded', active_ms = ?, segment_started_at = NULL, updated_at = ?, finished_at = ? WHERE id = ? AND status = 'running' AND next_step = ?",
        )
        .run(this.elapsed(row, now.getTime()), now.toISOString(), now.toISOString(), row.id, row.next_step);
      if (res.changes !== 1) return;
      this.audit(SERVICE_ACTOR, 'run.succeeded', row.id, { steps: row.next_step, tokens: row.used_tokens, costCents: row.spent_cents });
    })();
    this.changed(row.id);
  }

  // ---------------------------------------------------------------- approvals

  async decide(runId: string, dIn: DecideInput): Promise<RunDetail> {
    const { decision, comment, actor, via } = dIn;
    if (actor.role !== 'reviewer' && actor.role !== 'admin') {
      throw new ApiError('FORBIDDEN', `Only a reviewer or an admin can approve or reject a run (you are ${actor.role})`, { reason: 'role', role: actor.role });
    }
    if (decision !== 'approved' && decision !== 'rejected') throw new ApiError('VALIDATION_ERROR', 'decision must be approved or rejected');
    const row = this.row(runId);
    if (row.status !== 'awaiting_approval' || !row.awaiting_card)
      throw new ApiError('CONFLICT', `Run ${runId} is ${row.status}; only a run awaiting approval can be decided`);
    if (dIn.expectCard !== undefined && dIn.expectCard !== row.awaiting_card) {
      throw new ApiError('CONFLICT', `Run ${runId} waits on card ${row.awaiting_card}, not ${dIn.expectCard}`, {
        reason: 'card',
        awaitingCard: row.awaiting_card,
      });
    }
    const nowD = this.now();
    const g = await this.callGuard(this.guardContext('approval.decide', row, nowD.getTime(), { actor, decision: { state: decision, comment } }));
    const who = `user:${actor.id}`;
    const options: DecisionOption[] = [
      {
        id: 'approve',
        label: 'Approve: the run goes on',
        predictedQuality: decision === 'approved' ? 1 : 0.5,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 0.1,
      },
      {
        id: 'reject',
        label: 'Reject: the run stops and finished steps are undone',
        predictedQuality: decision === 'rejected' ? 1 : 0.5,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 0.1,
      },
    ];
    const base = {
      kind: 'approval.decide' as const,
      runId,
      stepId: null,
      subject: `${row.workflow} · approval of run ${runId} by ${actor.id}`,
      options,
      invariants: g.invariants,
      policy: g.policy,
      lane: row.lane ?? g.lane,
      laneReasons: g.laneReasons,
      evidence: { memoryIds: [], bundleDigests: [`sha256:${row.manifest_digest}`], modelId: null },
    };
    if (!g.allowed) {
      const reasons = reasonsOf(g, []);
      const card = this.db.transaction(() => {
        const c = this.cards.record(
          {
            ...base,
            chosen: null,
            rationale: `${actor.id} may not decide run ${runId}: ${reasons.join('; ')}`,
            nextSafeStep: g.nextSafeStep,
            status: 'denied',
          },
          SERVICE_ACTOR,
        );
        this.audit(who, 'run.approval.refused', runId, { decision, card: c.id, reasons });
        return c;
      })();
      throw new ApiError('FORBIDDEN', `The guard refused this decision: ${reasons.join('; ')}`, {
        reason: 'guard',
        reasons,
        nextSafeStep: g.nextSafeStep,
        cardId: card.id,
      });
    }
    const at = nowD.toISOString();
    try {
      this.db.transaction(() => {
        const fresh = this.row(runId);
        if (fresh.status !== 'awaiting_approval' || fresh.awaiting_card !== row.awaiting_card)
          throw new ApiError('CONFLICT', `Run ${runId} was decided meanwhile`);
        this.cards.appendApproval(row.awaiting_card!, { state: decision, by: actor.id, at, comment, ...(via ? { via } : {}) }, who);
        const card = this.cards.record(
          {
            ...base,
            chosen: decision === 'approved' ? 'approve' : 'reject',
            rationale: `${decision === 'approved' ? 'Approved' : 'Rejected'} by ${actor.id} (${actor.role})${comment ? `: ${comment}` : ''}`,
            nextSafeStep: null,
            status: decision,
            approval: { state: decision, by: actor.id, at, comment, ...(via ? { via } : {}) },
          },
          SERVICE_ACTOR,
        );
        this.db
          .prepare(
            `UPDATE runs SET approval_state = ?, approval_by = ?, approval_at = ?, approval_comment = ?, status = ?, segment_started_at = ?, updated_at = ?
             WHERE id = ? AND status = 'awaiting_approval'`,
          )
          .run(decision, actor.id, at, comment, decision === 'approved' ? 'running' : 'awaiting_approval', decision === 'approved' ? at : null, at, runId);
        this.audit(who, 'run.approval.decided', runId, {
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
          const error: RunError = {
            code: 'REJECTED',
            message: `Rejected by ${actor.id}${comment ? `: ${comment}` : ''}`,
            stepId: this.currentStepId(fresh),
            reasons: comment ? [comment] : [],
            nextSafeStep: null,
            cardId: card.id,
          };
          this.beginFailure(runId, error, ['awaiting_approval']);
        }
      })();
    } catch (e) {
      if (e instanceof StaleRun) throw new ApiError('CONFLICT', `Run ${runId} was decided meanwhile`);
      throw e;
    }
    this.changed(runId);
    await this.drive(runId);
    return this.get(runId);
  }

  // ---------------------------------------------------------------- resume

  async resumeAll(): Promise<RunInfo[]> {
    const ids = this.db.prepare("SELECT id FROM runs WHERE status IN ('pending', 'running', 'compensating') ORDER BY id").pluck().all() as string[];
    for (const id of ids) {
      const now = this.now().toISOString();
      this.db.transaction(() => {
        const row = this.row(id);
        // Time the app was not running is not the run's wall time: the active segment restarts now.
        if (row.status === 'running')
          this.db.prepare("UPDATE runs SET segment_started_at = ?, updated_at = ? WHERE id = ? AND status = 'running'").run(now, now, id);
        this.audit(SERVICE_ACTOR, 'run.resumed', id, { status: row.status, nextStep: row.next_step });
      })();
    }
    for (const id of ids) await this.drive(id);
    return ids.map((id) => this.summary(this.row(id)));
  }

  // ---------------------------------------------------------------- views

  private currentStepId(row: RunRow): string | null {
    const m = this.manifestOf(row);
    if (row.status === 'succeeded') return null;
    if (row.status === 'failed' || row.status === 'rolled_back' || row.status === 'compensating') {
      const e = row.error ? (JSON.parse(row.error) as RunError) : null;
      return e?.stepId ?? null;
    }
    return m.steps[row.next_step]?.id ?? null;
  }

  private summary(row: RunRow): RunInfo {
    return {
      id: row.id,
      workflow: row.workflow,
      title: row.title,
      status: row.status,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
      startedBy: row.started_by,
      tenant: row.tenant,
      currentStep: this.currentStepId(row),
      stepCount: this.manifestOf(row).steps.length,
      stepsDone: this.db.prepare('SELECT count(*) FROM run_steps WHERE run_id = ?').pluck().get(row.id) as number,
      lane: row.lane,
      budgets: { tokens: row.budget_tokens, wallTimeMs: row.budget_wall_ms, costCents: row.budget_cost_cents },
      usage: { tokens: row.used_tokens, costCents: row.spent_cents, elapsedMs: this.elapsed(row, row.segment_started_at ? this.now().getTime() : 0) },
      approval: this.approvalOf(row),
      error: row.error ? (JSON.parse(row.error) as RunError) : null,
    };
  }

  get(runId: string): RunDetail {
    const row = this.row(runId);
    const m = this.manifestOf(row);
    const rows = new Map(this.stepRows(runId).map((r) => [r.step_id, r]));
    const cardRows = this.db.prepare('SELECT id, step_id FROM decision_cards WHERE run_id = ? ORDER BY seq').all(runId) as {
      id: string;
      step_id: string | null;
    }[];
    const error = row.error ? (JSON.parse(row.error) as RunError) : null;
    const failedAt = error?.stepId ? m.steps.findIndex((s) => s.id === error.stepId) : -1;
    const ended = row.status === 'failed' || row.status === 'rolled_back' || row.status === 'compensating';
    const steps: RunStepDetail[] = m.steps.map((s, i) => {
      const r = rows.get(s.id);
      let status: StepStatus;
      if (r) status = r.status;
      else if (ended && i === failedAt) status = 'failed';
      else if (ended) status = 'skipped';
      else if (row.status === 'awaiting_approval' && i === row.next_step) status = 'awaiting_approval';
      else if (row.status === 'running' && i === row.next_step) status = 'running';
      else status = 'pending';
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
        cardIds: cardRows.filter((c) => c.step_id === s.id).map((c) => c.id),
      };
    });
    return {
      ...this.summary(row),
      manifestDigest: row.manifest_digest,
      inputContract: row.input_contract,
      inputDigest: row.input_digest,
      input: JSON.parse(row.input) as unknown,
      steps,
      cardIds: cardRows.filter((c) => c.step_id === null).map((c) => c.id),
    };
  }

  list(q: RunListQuery = {}): RunInfoPage {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError('VALIDATION_ERROR', 'limit must be an integer in 1..500');
    if (q.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(q.status))
      throw new ApiError('VALIDATION_ERROR', `status must be one of ${RUN_STATUSES.join(', ')}`);
    const rows = this.db
      .prepare(
        `SELECT * FROM runs WHERE (:status IS NULL OR status = :status) AND (:wf IS NULL OR workflow = :wf) AND (:cursor IS NULL OR id < :cursor)
         ORDER BY id DESC LIMIT :limit`,
      )
      .all({ status: q.status ?? null, wf: q.workflow ?? null, cursor: q.beforeId ?? null, limit: limit + 1 }) as RunRow[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: page.map((r) => this.summary(r)), nextBeforeId: more ? page[page.length - 1]!.id : null };
  }
}
