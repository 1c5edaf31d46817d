import type { Approval, DecisionOption, ExecutorName, Lane, WorkflowManifest, WorkflowStep, Words } from '../../../../shared/workflow/types';
import type { AiInput, GuardResult } from '../../../../shared/policy/types';
import type { Reason } from '../../../../shared/policy/reasons';
import type { AiKit, BudgetLeft, RunCapture, RunContracts, RunGovernance, RunInference, RunMemory, RunOutbox } from '../ports';

/** What executors may touch. Everything local; nothing reaches the network from a step. */
export interface ExecutorDeps {
  contracts: RunContracts;
  capture: RunCapture;
  outbox: RunOutbox;
  /** When given: submit asks it first (a refusal is the step's failure) and guards see the last sync. */
  governance?: RunGovernance;
  /**
   * Local models: the AI steps' model arm (text model, embedder, abort signals). Absent → the AI
   * steps run their fallbacks (extractive@1, rule-risk@1, the pass-through translation).
   */
  inference?: RunInference;
  /** Tiered memory: ai-summarize grounds its prompt in it and cites what it retrieved. Absent → no grounding. */
  memory?: RunMemory;
  /** The arm router, the fallbacks and the injection check the AI steps run (see ports.ts). */
  aiKit: AiKit;
}

export interface PriorStep {
  id: string;
  executor: ExecutorName;
  output: Record<string, unknown>;
  uncertainty: number | null;
}

export interface StepContext {
  runId: string;
  workflow: string;
  manifestDigest: string;
  /** Audit actor of the run (`user:<profile id>`). */
  actor: string;
  tenant: string;
  step: WorkflowStep;
  index: number;
  params: Record<string, unknown>;
  inputContract: string;
  input: Record<string, unknown>;
  /** Steps that finished before this one, in order. */
  prior: PriorStep[];
  /** The step.before guard result (set before execute; null while estimating). */
  guard: GuardResult | null;
  approval: Approval;
  /**
   * What the run has left before this step (budget − used tokens, cents, active wall time). The AI
   * steps size their model calls by it. Absent (tests that build contexts by hand) → unbounded.
   */
  budgetLeft?: BudgetLeft;
  deps: ExecutorDeps;
}

export interface Estimate {
  tokens: number;
  costCents: number;
  latencyMs: number;
  /** 0..1 */
  uncertainty: number;
}

/** What the guard is told about a model step (the ai block of GuardContext). */
export interface AiFacts {
  modelId: string;
  inputs: AiInput[];
  uncertainty: number;
}

export interface StepResult {
  output: Record<string, unknown>;
  usage: { tokens: number; costCents: number };
  /** The id of the option taken (one of options()). */
  chosen: string;
  rationale: string;
  /** The rationale for people, when the executor has it as a message (its reasons are messages). */
  rationaleWords?: Words;
  modelId?: string | null;
  uncertainty?: number | null;
  /** Memory items the step read or cites (ai-summarize): the card's evidence.memoryIds. */
  memoryIds?: string[];
  /** classify-risk: the lane it settled on (the run's lane from then on). */
  lane?: Lane;
  /** review-gate: wait for a reviewer instead of finishing. */
  wait?: { reason: string; nextSafeStep: Reason };
  /**
   * Local side effects. Runs inside the step's transaction, together with the step row, its card and
   * its audit entry: either all of them commit or none does. Returns ids to merge into the output.
   */
  commit?: () => Record<string, unknown>;
}

export interface CompensationContext {
  runId: string;
  stepId: string;
  actor: string;
  reason: string;
  /** The finished step's output (ids of what it created). */
  output: Record<string, unknown>;
  deps: ExecutorDeps;
}

/** Runs inside its own transaction with the step's `compensated` mark and audit entry. */
export type Compensation = (ctx: CompensationContext) => Record<string, unknown>;

export interface Executor {
  name: ExecutorName;
  /** Supported majors of `uses: <name>@<major>`. */
  majors: readonly number[];
  title: string;
  /** JSON Schema of the manifest's `with` for this executor (ajv, strict). */
  withSchema: Record<string, unknown>;
  compensations: Record<string, Compensation>;
  /** Load-time checks beyond the schema (e.g. a named contract exists); a reason, or null. */
  check?(params: Record<string, unknown>, manifest: WorkflowManifest, contracts: RunContracts): string | null;
  estimate(ctx: StepContext): Estimate;
  /** The alternatives shown on the decision card, with predictions. */
  options(ctx: StepContext, est: Estimate): DecisionOption[];
  /**
   * For model steps (and the risk steps that judge their output): what the guard scans and
   * classifies: every text the model will read (capture text, memory snippets). May be async (a
   * memory look-up); it only reads.
   */
  ai?(ctx: StepContext): AiFacts | null | Promise<AiFacts | null>;
  execute(ctx: StepContext): StepResult | Promise<StepResult>;
}
