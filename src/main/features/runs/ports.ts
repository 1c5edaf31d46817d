// What the run engine needs from other features, as the engine sees them. Structural: the owning
// features' services satisfy these interfaces without this file importing them (src/main/app/services.ts
// passes them in). Data shapes come from src/shared.
//
// The AI steps' pure helpers (the arm router and the deterministic fallbacks of src/main/features/inference,
// the injection check of src/main/features/policy) come through `AiKit`, not as imports: the fallbacks
// depend on the policy's lane rules and injection detector, so they cannot move to src/shared, and
// the router and the detector belong to features that change on their own. The engine only needs
// them as functions.
import type { ContractDoc, Draft, Profile } from '../../../shared/api/types';
import type { ModelStatus, MemoryItem, MemorySearchQuery, MemorySearchResult } from '../../../shared/memory/types';
import type { Message } from '../../../shared/messages';
import type { AiInput, GuardContext, GuardContract, GuardResult, InjectionReport } from '../../../shared/policy/types';
import type { Approval, DecisionCard, DecisionOption, Lane, Words } from '../../../shared/workflow/types';
import type { CardListQuery, CardListResponse, CardStats } from '../../../shared/workflow/views';

// ------------------------------------------------------------------------------------- policy

/** The policy engine (src/main/features/policy, PolicyEngine.guard): one call per decision. */
export interface Guard {
  guard(ctx: GuardContext): GuardResult | Promise<GuardResult>;
}

// -------------------------------------------------------------------------------------- cards

/** What a caller supplies; the store adds id, createdAt, auditHash (and the default approval). */
export type NewCard = Omit<DecisionCard, 'id' | 'createdAt' | 'auditHash' | 'approval'> & { approval?: Approval };

/**
 * The decision-card store (src/main/features/cards). The engine records cards and approvals in its
 * own transactions; the read methods are what RunService.cards offers its callers.
 */
export interface RunCards {
  /** Append the card (and its audit entry) in the caller's transaction; `searchWords`: the run's record in words, for card search. */
  record(card: NewCard, actor: string, opts?: { searchWords?: string }): DecisionCard;
  appendApproval(
    cardId: string,
    a: { state: 'approved' | 'rejected'; by: string; at: string; comment: string | null; via?: Approval['via'] },
    actor: string,
  ): DecisionCard;
  get(id: string): DecisionCard;
  approvals(id: string): Approval[];
  list(q: CardListQuery): CardListResponse;
  stats(days?: number): CardStats;
  /** Every card of a run, oldest first. */
  forRun(runId: string): DecisionCard[];
}

// ------------------------------------------------------------------------- workflows, contracts

/** A read-only file set: the active verified workflow bundle (src/main/features/bundles ResourceTree fits). */
export interface WorkflowTree {
  readonly label: string;
  /** Every file, as sorted POSIX relative paths. */
  files(): string[];
  read(path: string): Buffer;
}

/** The contract registry (src/main/features/contracts ContractRegistry). */
export interface RunContracts {
  has(ref: string): boolean;
  get(ref: string): { doc: ContractDoc };
  /** Newest known version per contract name. */
  versions(): Record<string, string>;
  /** VALIDATION_ERROR when `data` does not satisfy the contract. */
  validate(ref: string, data: unknown): void;
}

// ------------------------------------------------------------------ profile, governance, capture

export interface RunProfile {
  /** The profile, or FORBIDDEN before first-run setup. */
  require(): Pick<Profile, 'id' | 'role' | 'tenant'>;
}

export interface RunGovernance {
  /** Throws the refusal (stale device, blocked, risk) when the action is not allowed now. */
  assertAllowed(action: ContractDoc['kind']): void;
  status(): { lastSyncAt: string | null };
}

/** The capture service (src/main/features/capture): records, drafts and their outbox items. */
export interface RunCapture {
  submit(input: { contract: string; data: unknown; draftId?: string }): { recordId: string; outboxId: string };
  saveDraft(input: { contract: string; data: unknown }): Pick<Draft, 'id'>;
  getDraft(id: string): unknown;
  deleteDraft(id: string): void;
}

/** The outbox (src/main/features/outbox/withdraw.ts): the saga takes back what a step queued. */
export interface RunOutbox {
  /**
   * Withdraw an item the server has not accepted (in the caller's transaction); the outcome is
   * recorded as the compensation's result. Throws when it was accepted already.
   */
  withdraw(id: string, actor: string, reason: string): Record<string, unknown>;
}

// ---------------------------------------------------------------------------- inference, memory

export type StopReason = 'eos' | 'maxTokens' | 'timeout' | 'abort';

export interface GenerateRequest {
  prompt: string;
  system?: string;
  maxTokens: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** JSON Schema the output must satisfy (grammar-constrained generation). */
  jsonSchema?: Record<string, unknown>;
  temperature?: number;
}

export interface GenerateResult {
  text: string;
  json?: unknown;
  tokens: number;
  promptTokens: number;
  stopReason: StopReason;
  /** Bundle name@version of the model that produced it. */
  model: string;
  durationMs: number;
}

export interface TextModel {
  readonly id: string;
  generate(req: GenerateRequest): Promise<GenerateResult>;
  countTokens(text: string): Promise<number>;
}

export interface Embedder {
  readonly id: string;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Local models (src/main/features/inference InferenceService): the AI steps' model arm. */
export interface RunInference {
  /** The loaded text model, or null (the AI steps use a fallback arm). */
  text(): TextModel | null;
  embedder(): Embedder;
  status(): ModelStatus;
  /** The abort signal of one run's generations. */
  signalFor(runId: string): { signal: AbortSignal; done(): void };
}

/** Tiered memory (src/main/features/memory): ai-summarize grounds its prompt in it. */
export interface RunMemory {
  coreContext(): MemoryItem[];
  search(q: MemorySearchQuery): Promise<MemorySearchResult>;
}

// ------------------------------------------------------------------- the AI steps' pure helpers

/** What the run has left before a step (budget − used). */
export interface BudgetLeft {
  tokens: number;
  costCents: number;
  wallMs: number;
}

export type Arm = 'model' | 'fallback' | 'skip';

/** inference/router.ts ArmRequest: what the router weighs for one AI step. */
export interface ArmRequest {
  step: 'summarize' | 'translate' | 'classify';
  modelAvailable: boolean;
  tokensEstimate: number;
  outputTokens?: number;
  budgetLeft: BudgetLeft;
  modelTps?: number | null;
  uncertaintyModel: number;
  uncertaintyFallback: number;
  qualityModel: number;
  qualityFallback: number;
  fallbackTokens?: number;
  fallbackLatencyMs?: number;
  modelId?: string | null;
  fallbackId?: string;
  unavailableReason?: string;
  /** The same as words (a message, or words with their own reasons). */
  unavailableWhy?: Message | Words;
}

export interface ArmPrediction {
  tokens: number;
  latencyMs: number;
}

/** inference/router.ts ArmDecision: the arm, every arm as a card option, and why. */
export interface ArmDecision {
  chosen: Arm;
  options: DecisionOption[];
  reason: string;
  /** `reason` as words (the reader's language). */
  reasonWords: Words;
  model: ArmPrediction;
  fallback: ArmPrediction;
}

export type RiskLevel = 'low' | 'medium' | 'high';

/** inference/fallbacks.ts RiskClass. */
export interface RiskClass {
  level: RiskLevel;
  lane: Lane;
  reasons: Message[];
  injection: InjectionReport | null;
}

/**
 * The AI steps' pure helpers: the arm router and its option ids (inference/router.ts), the
 * deterministic fallbacks and their ids (inference/fallbacks.ts), and the prompt-injection check that
 * keeps flagged memory out of prompts (policy/injection.ts).
 */
export interface AiKit {
  chooseArm(r: ArmRequest): ArmDecision;
  /** The option ids on a card: what `chosen` names for each arm. */
  armOptionId: Readonly<Record<Arm, string>>;
  /** Model id of the extractive summary (extractive@1). */
  extractiveId: string;
  extractiveSummary(
    text: readonly string[],
    o: { maxSentences?: number; maxChars?: number },
  ): { summary: string; sentences: readonly unknown[]; total: number };
  /** Model id of the rule-based risk class (rule-risk@1). */
  ruleRiskId: string;
  ruleBasedRiskClass(fields: Record<string, unknown>, o: { contract?: GuardContract; uncertainty?: number; texts?: readonly (AiInput | string)[] }): RiskClass;
  isInjection(text: string): boolean;
}
