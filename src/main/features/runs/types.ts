// The run service's public contract: what other features and the app may name (types only; the
// service is built by createRunService in ./engine.ts, from src/main/app/services.ts).
import type { Db } from '../../platform/db/connection';
import type { AuditService } from '../../platform/audit/index';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { GuardActor } from '../../../shared/policy/types';
import type { ExecutorName, InvariantResult, ManifestLoadError, RunDetail, RunInfo, RunInfoPage, RunStatus } from '../../../shared/workflow/types';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import type { DecisionContext } from '../../../shared/workflow/decision-context';
import type { Executor, ExecutorDeps } from './executors/types';
import type { Guard, RunCards, RunProfile, WorkflowTree } from './ports';

export type BoundaryPhase = 'run.created' | 'step.before' | 'step.commit.before' | 'step.commit.inside' | 'step.commit.after' | 'compensate.inside';

/**
 * What the service tells its subscribers: a run's status changed (after the transaction), or a
 * step reached a boundary (the crash tests kill the process there). Cards announce themselves
 * through the card store they are recorded in.
 */
export type RunEvent =
  | { type: 'run.changed'; runId: string; status: RunStatus }
  | { type: 'step.boundary'; runId: string; stepId: string | null; index: number; phase: BoundaryPhase };

/** What the engine needs: everything its executors may touch, plus the guard, the card store and configuration. */
export interface RunServiceDeps<C extends RunCards = RunCards> extends ExecutorDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  /** Who starts a run when the caller names no actor. */
  profile: RunProfile;
  /** Where the engine records its decision cards (RunService.cards hands it out). */
  cards: C;
  guard: Guard;
  /** Bundled resources; without `workflows`, manifests are read from `<resourcesDir>/workflows`. */
  resourcesDir: string;
  /**
   * The workflow tree (the active, verified workflow bundle), asked again on every reloadWorkflows();
   * manifests are its top-level *.yaml / *.yml / *.json. null = no workflow bundle: no workflows,
   * one load error. Absent → `<resourcesDir>/workflows`.
   */
  workflows?: () => WorkflowTree | null;
  logger: Logger;
  /** Tests only: replace an allowlisted executor's implementation (the allowlist cannot grow). */
  executors?: Partial<Record<ExecutorName, Executor>>;
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

export interface RunService<C extends RunCards = RunCards> {
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
  /** The card the run waits (or last waited) on for a reviewer; null when it never waited; undefined when there is no such run. */
  awaitingCard(runId: string): string | null | undefined;
  list(q?: RunListQuery): RunInfoPage;
  /** A reviewer or admin approves (the run resumes) or rejects (the run fails and compensates). */
  decide(runId: string, d: DecideInput): Promise<RunDetail>;
  /** Continue every pending, running and compensating run (call once at startup). */
  resumeAll(): Promise<RunInfo[]>;
  /** Run changes and step boundaries (the crash tests kill the process at a boundary). */
  subscribe(fn: (e: RunEvent) => void): () => void;
  /** Resolves when no run is being driven in the background. */
  idle(): Promise<void>;
  /** What a reviewer decides on: the run's record (title fields, what made it RED), its AI summary and sources, what approving or rejecting does. NOT_FOUND when there is no such run. */
  context(runId: string): DecisionContext;
  /** The words card search finds the run's cards by (its record's title fields); null when there is no such run. */
  searchWords(runId: string): string | null;
  /** The card store the engine records in (the one it was given). */
  cards: C;
}
