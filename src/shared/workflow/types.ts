// Governed workflow runs: the shapes shared by the run engine, the policy engine, the API table and
// the reviewer's views. Pure types, constants and TypeBox declarations (no Node, no DOM): each shape
// with a JSON Schema is declared once, its type derived with Static (./schemas.ts re-exports the schemas).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { messageSchema, type Message } from '../messages';
import { reasonSchema, type Reason } from '../policy/reasons';
import { anyObject, enumOf, nullable, obj } from '../typebox';
import type { workflowManifestSchema } from './manifest-schema';

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

export const CARD_STATUSES = ['allowed', 'denied', 'awaiting_approval', 'approved', 'rejected'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];

/** What decided: the run's start, a step (its step.before guard plus the executor's own choice), an approval. */
export const CARD_KINDS = ['run.start', 'step', 'approval.decide', 'bundle.quarantine', 'model.fallback', 'release.gate'] as const;

const str = Type.String();
const int = Type.Integer();
const num = Type.Number();

export const budgetsSchema = obj({
  /** Model tokens (prompt + completion) over the whole run. */
  tokens: int,
  /** Wall time from start to finish, excluding time spent waiting for a human approval. */
  wallTimeMs: int,
  /** Cost in integer cents (never floats for money). */
  costCents: int,
});
type RunBudgets = Static<typeof budgetsSchema>;

/** A manifest file, as ./manifest-schema.ts declares it. */
export type WorkflowManifest = Static<typeof workflowManifestSchema>;
export type WorkflowStep = WorkflowManifest['steps'][number];

/**
 * Words the system wrote for people, as a message (decision 0030), kept beside the English or log-form
 * text it stands for (search and audit read that). `text` is worded in the reader's language; when it
 * names reasons, `reasons` fill its `{reasons}` argument, each in words (a message, or text: an
 * invariant's, a model's or a reviewer's own words), joined as a list ("a; b"), or with `join:
 * 'sentences'` one after another ("A. B.").
 */
export interface Words {
  text: Message;
  /** Each a message, text, or words of their own (a clause with its own list, e.g. an arm's misses). */
  reasons?: (Reason | Words)[];
  join?: 'list' | 'sentences';
}
/** Words nested at most WORDS_DEPTH deep (the deepest the engine writes is 3: see runs/executors/arm-words.ts). */
export const WORDS_DEPTH = 4;
function wordsAt(depth: number): TSchema {
  const item = depth > 1 ? Type.Union([reasonSchema, wordsAt(depth - 1)]) : reasonSchema;
  return obj({ text: messageSchema, reasons: Type.Optional(Type.Array(item)), join: Type.Optional(enumOf(['list', 'sentences'])) });
}
export const wordsSchema = Type.Unsafe<Words>(wordsAt(WORDS_DEPTH));

const decisionOptionSchema = obj({
  id: str,
  label: str,
  /** The label for people (cards written since messages; absent: show `label`). */
  labelWords: Type.Optional(wordsSchema),
  /** 0..1 */
  predictedQuality: num,
  predictedCostCents: int,
  latencyMs: num,
  /** 0..1; 1 = no idea. */
  uncertainty: num,
});
export type DecisionOption = Static<typeof decisionOptionSchema>;

const invariantResultSchema = obj({
  id: str,
  pass: Type.Boolean(),
  /** The filled message template when it failed (or errored). */
  message: nullable(str),
  /** The values the expressions read (the counterexample when it failed). */
  values: anyObject(),
  /** Set when evaluation itself failed (counts as a failure: fail closed). */
  error: Type.Optional(str),
});
export type InvariantResult = Static<typeof invariantResultSchema>;

const policyVerdictSchema = obj({
  decision: enumOf(['allow', 'deny']),
  reasons: Type.Array(reasonSchema),
  /** Version of the policy document that decided; null when none was loaded (deny). */
  policyVersion: nullable(str),
});
export type PolicyVerdict = Static<typeof policyVerdictSchema>;

const approvalStateSchema = enumOf(['not_required', 'pending', 'approved', 'rejected']);
export type ApprovalState = Static<typeof approvalStateSchema>;

const approvalSchema = obj({
  state: approvalStateSchema,
  by: nullable(str),
  at: nullable(str),
  comment: nullable(str),
  /** Team sync: the device and certificate version the decision was signed under, and its approval id. */
  via: Type.Optional(nullable(obj({ device: str, certVersion: Type.Integer({ minimum: 1 }), approvalId: str }))),
});
export type Approval = Static<typeof approvalSchema>;

export const decisionCardSchema = obj({
  id: str,
  /** Which decision: run start, a step (its step.before guard plus the executor's own choice), an approval. */
  kind: enumOf(CARD_KINDS),
  runId: str,
  /** null for run-level cards (run.start, approval.decide). */
  stepId: nullable(str),
  subject: str,
  /** The subject for people (cards written since messages; absent: show `subject`). */
  subjectWords: Type.Optional(wordsSchema),
  createdAt: str,
  options: Type.Array(decisionOptionSchema),
  chosen: nullable(str),
  rationale: str,
  /** The rationale for people (absent on older cards and where the writer has only its own text: show `rationale`). */
  rationaleWords: Type.Optional(wordsSchema),
  invariants: Type.Array(invariantResultSchema),
  policy: policyVerdictSchema,
  lane: enumOf(LANES),
  laneReasons: Type.Array(reasonSchema),
  approval: approvalSchema,
  evidence: obj({ memoryIds: Type.Array(str), bundleDigests: Type.Array(str), modelId: nullable(str) }),
  /** When the step is blocked: the smallest safe next step (a message; a string on older cards). */
  nextSafeStep: nullable(reasonSchema),
  status: enumOf(CARD_STATUSES),
  /** Hash of the audit entry that recorded the card. */
  auditHash: str,
});
export type DecisionCard = Static<typeof decisionCardSchema>;

// ---------------------------------------------------------------------------------------------
// What the run engine (src/main/features/runs) returns. Plain JSON. The API table's views (./views.ts) are
// mapped from these by ./run-views.ts (toRunView, toRunSummaryView).

/** A manifest file refused at load (the others still load). line: 1-based, 0 = the file as a whole. */
export interface ManifestLoadError {
  file: string;
  line: number;
  reason: string;
}

export const RUN_ERROR_CODES = ['BLOCKED', 'BUDGET_EXCEEDED', 'STEP_FAILED', 'REJECTED'] as const;

export interface RunError {
  /**
   * BLOCKED: the guard refused (a step, its output, or the start). BUDGET_EXCEEDED: the engine's own
   * budget check. STEP_FAILED: the executor or its local side effect threw (e.g. governance refused
   * the submit). REJECTED: a reviewer said no. A failed rollback shows as status `failed` with the
   * step's compensationError set.
   */
  code: (typeof RUN_ERROR_CODES)[number];
  message: string;
  stepId: string | null;
  reasons: string[];
  /** What to do next: a message (`guard.next.*`), or text on runs stored before messages. */
  nextSafeStep: Reason | null;
  /** The card that recorded the deciding decision, when there is one. */
  cardId: string | null;
  /**
   * The error for people (absent on runs stored before messages): what happened, and the reasons the
   * error line adds after it. `message` and `reasons` are their log form (codes with params; logs,
   * audit, search).
   */
  words?: RunErrorWords;
}

export interface RunErrorWords {
  what: Words;
  reasons: Reason[];
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
