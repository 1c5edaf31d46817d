// Governed workflow runs: the shapes shared by the run engine, the policy engine, the API table and
// the reviewer's views. Pure types and constants (no Node, no DOM).

/** The only executors a manifest may name (`uses: <executor>@<major>`). No code, no shell. */
export const EXECUTORS = ['capture-form', 'ai-summarize', 'ai-translate-verify', 'classify-risk', 'review-gate', 'submit'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

export const LANES = ['GREEN', 'YELLOW', 'RED'] as const;
export type Lane = (typeof LANES)[number];

/** `compensating`: a step failed (or was blocked, or a reviewer rejected) and the saga is undoing finished steps. */
export const RUN_STATUSES = ['pending', 'running', 'awaiting_approval', 'compensating', 'succeeded', 'failed', 'rolled_back'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = ['pending', 'running', 'awaiting_approval', 'succeeded', 'failed', 'compensated', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface RunBudgets {
  /** Model tokens (prompt + completion) over the whole run. */
  tokens: number;
  /** Wall time from start to finish, excluding time spent waiting for a human approval. */
  wallTimeMs: number;
  /** Cost in integer cents (never floats for money). */
  costCents: number;
}

export interface WorkflowStep {
  id: string;
  /** `<executor>@<major>`, e.g. `ai-summarize@1`; the executor must be in EXECUTORS. */
  uses: string;
  title?: string;
  /** Executor parameters (validated by the executor's own schema at load). */
  with?: Record<string, unknown>;
  /** Name of the executor's compensation, run in reverse order when a later step fails (saga). */
  compensate?: string;
}

export interface WorkflowManifest {
  /** `name@semver`, e.g. `site-inspection@1.0.0`. */
  workflow: string;
  title: string;
  description?: string;
  /** The run's input must validate against this contract before the run starts. */
  input: { contract: string };
  budgets: RunBudgets;
  steps: WorkflowStep[];
}

export interface DecisionOption {
  id: string;
  label: string;
  /** 0..1 */
  predictedQuality: number;
  predictedCostCents: number;
  latencyMs: number;
  /** 0..1; 1 = no idea. */
  uncertainty: number;
}

export interface InvariantResult {
  id: string;
  pass: boolean;
  /** The filled message template when it failed (or errored). */
  message: string | null;
  /** The values the expressions read (the counterexample when it failed). */
  values: Record<string, unknown>;
  /** Set when evaluation itself failed (counts as a failure: fail closed). */
  error?: string;
}

export interface PolicyVerdict {
  decision: 'allow' | 'deny';
  reasons: string[];
  /** Version of the policy document that decided; null when none was loaded (deny). */
  policyVersion: string | null;
}

export type ApprovalState = 'not_required' | 'pending' | 'approved' | 'rejected';

export interface Approval {
  state: ApprovalState;
  by: string | null;
  at: string | null;
  comment: string | null;
  /** Team sync: the device and certificate version the decision was signed under, and its approval id. */
  via?: { device: string; certVersion: number; approvalId: string } | null;
}

export const CARD_STATUSES = ['allowed', 'denied', 'awaiting_approval', 'approved', 'rejected'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];

export interface DecisionCard {
  id: string;
  /** Which decision: run start, a step (its step.before guard plus the executor's own choice), an approval. */
  kind: CardKind;
  runId: string;
  /** null for run-level cards (run.start, approval.decide). */
  stepId: string | null;
  subject: string;
  createdAt: string;
  options: DecisionOption[];
  chosen: string | null;
  rationale: string;
  invariants: InvariantResult[];
  policy: PolicyVerdict;
  lane: Lane;
  laneReasons: string[];
  approval: Approval;
  evidence: { memoryIds: string[]; bundleDigests: string[]; modelId: string | null };
  /** When the step is blocked: the smallest safe next step, in words. */
  nextSafeStep: string | null;
  status: CardStatus;
  /** Hash of the audit entry that recorded the card. */
  auditHash: string;
}

// ---------------------------------------------------------------------------------------------
// What the run engine (src/main/features/runs) returns. Plain JSON. The API table's views (./views.ts) are
// mapped from these by ./run-views.ts (toRunView, toRunSummaryView).

/** What decided: the run's start, a step (its step.before guard plus the executor's own choice), an approval. */
export const CARD_KINDS = ['run.start', 'step', 'approval.decide', 'bundle.quarantine', 'model.fallback', 'release.gate'] as const;
export type CardKind = (typeof CARD_KINDS)[number];

/** A manifest file refused at load (the others still load). line: 1-based, 0 = the file as a whole. */
export interface ManifestLoadError {
  file: string;
  line: number;
  reason: string;
}

export interface RunError {
  /**
   * BLOCKED: the guard refused (a step, its output, or the start). BUDGET_EXCEEDED: the engine's own
   * budget check. STEP_FAILED: the executor or its local side effect threw (e.g. governance refused
   * the submit). REJECTED: a reviewer said no. A failed rollback shows as status `failed` with the
   * step's compensationError set.
   */
  code: 'BLOCKED' | 'BUDGET_EXCEEDED' | 'STEP_FAILED' | 'REJECTED';
  message: string;
  stepId: string | null;
  reasons: string[];
  nextSafeStep: string | null;
  /** The card that recorded the deciding decision, when there is one. */
  cardId: string | null;
}

export interface RunUsage {
  tokens: number;
  costCents: number;
  /** Active wall time: approval waits (and time the app was not running) excluded. */
  elapsedMs: number;
}

export interface RunInfo {
  id: string;
  workflow: string;
  title: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Profile id of who started it. */
  startedBy: string;
  tenant: string;
  /** The step the run is at (next, running, waiting or failed); null when it succeeded. */
  currentStep: string | null;
  stepCount: number;
  /** Steps that finished (succeeded, or succeeded and later compensated). */
  stepsDone: number;
  /** Lane from the last classify-risk step (or the last guard); null before any. */
  lane: Lane | null;
  budgets: RunBudgets;
  usage: RunUsage;
  approval: Approval;
  error: RunError | null;
}

export interface RunStepDetail {
  index: number;
  id: string;
  uses: string;
  executor: ExecutorName;
  title: string | null;
  status: StepStatus;
  startedAt: string | null;
  finishedAt: string | null;
  tokens: number;
  costCents: number;
  uncertainty: number | null;
  /** The executor's output (ids of what it stored, summary, lane…); null until the step succeeded. */
  output: Record<string, unknown> | null;
  error: string | null;
  compensate: string | null;
  compensatedAt: string | null;
  compensation: Record<string, unknown> | null;
  compensationError: string | null;
  /** Cards recorded for this step, oldest first. */
  cardIds: string[];
}

export interface RunDetail extends RunInfo {
  manifestDigest: string;
  inputContract: string;
  inputDigest: string;
  /** The run's input as validated against its contract. */
  input: unknown;
  steps: RunStepDetail[];
  /** Run-level cards (run.start, approvals), oldest first. */
  cardIds: string[];
}

export interface RunInfoPage {
  items: RunInfo[];
  /** Pass as beforeId for the next page. */
  nextBeforeId: string | null;
}
