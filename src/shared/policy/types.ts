// The policy engine's public shapes: what the run engine passes to `PolicyEngine.guard` and what it
// gets back. Pure types and constants (no Node, no DOM), so the renderer can show them.
import type { Message } from '../messages';
import type { ApprovalState, InvariantResult, Lane, PolicyVerdict, RunStatus } from '../workflow/types';

export const ROLES = ['field', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The moments the run engine asks the guard. Invariants name one (or several) in `when.event`; a name
 * outside this list is refused at load, so a typo cannot silently switch an invariant off.
 * - run.start        before a run starts (input validated, budgets known)
 * - step.before      before an executor runs (estimates known; AI inputs known for ai-* steps)
 * - step.after       after an executor ran, before its output is accepted (output known)
 * - approval.decide  a reviewer approves or rejects a card
 * - record.capture   a record is captured outside a run
 * - record.submit    a record is submitted outside a run
 */
export const GUARD_EVENTS = ['run.start', 'step.before', 'step.after', 'approval.decide', 'record.capture', 'record.submit'] as const;
export type GuardEvent = (typeof GUARD_EVENTS)[number];

export interface GuardActor {
  id: string;
  role: Role;
  tenant: string;
  /** Where the actor (device) is: checked against the data's residency. */
  region?: string;
}

export interface GuardRun {
  id: string;
  /** `name@semver` of the manifest, e.g. `site-inspection@1.0.0`. */
  workflow: string;
  /** Profile id of the actor who started the run. */
  ownerId: string;
  tenant: string;
  /** Residency of the run's data (a key of the policy's `regions`, e.g. `eu`). */
  residency?: string;
  status?: RunStatus;
  /** Integer cents. */
  budgetCents: number;
  /** Integer cents spent so far. */
  spentCents: number;
  tokenBudget: number;
  tokensUsed: number;
  wallTimeBudgetMs: number;
  /** Wall time so far, excluding time waiting for a human approval. */
  elapsedMs: number;
}

export interface GuardStep {
  id: string;
  /** Executor name without the major, e.g. `ai-summarize`. */
  executor: string;
  /** The manifest's `with` parameters (e.g. `sourceLang`, `targetLang` for ai-translate-verify). */
  with?: Record<string, unknown>;
  estimatedCostCents?: number;
  estimatedTokens?: number;
  estimatedMs?: number;
  /** step.after: what the step really cost, in integer cents. */
  actualCostCents?: number;
  /**
   * step.after: the executor's output. ai-summarize: `{ summary: string }`; ai-translate-verify:
   * `{ translation: string, backTranslationSimilarity: number }` (similarity 0..1).
   */
  output?: Record<string, unknown>;
}

/** What the action is done to (a record, a run, a card). Defaults to the run's tenant/owner/residency. */
export interface GuardSubject {
  kind?: string;
  id?: string;
  tenant?: string;
  ownerId?: string;
  residency?: string;
}

/** A contract document (ContractDoc fits) plus the newest major this device knows for its name. */
export interface GuardContract {
  contract: string;
  kind: 'capture' | 'draft' | 'submit';
  pii?: string[];
  riskHints?: Record<string, unknown>;
  latestMajor?: number;
}

export type AiInputSource = 'capture' | 'memory' | 'attachment' | 'translation' | 'other';

export interface AiInput {
  source: AiInputSource;
  text: string;
  /** Record / memory id, for the report. */
  id?: string;
}

export interface GuardAi {
  modelId?: string;
  /** Every text the model will read: captured text, memory snippets, OCR'd attachments. Scanned for injection. */
  inputs?: AiInput[];
  /** The model's uncertainty about its proposal, 0..1 (1 = no idea). */
  uncertainty?: number;
}

export interface GuardContext {
  event: GuardEvent | (string & {});
  /** Policy action: `run.start`, `step.execute:<executor>`, `approval.decide`, `contract.<kind>`, … */
  action: string;
  actor: GuardActor;
  run?: GuardRun;
  step?: GuardStep;
  subject?: GuardSubject;
  contract?: GuardContract;
  /** The data heading out (the record, the step's payload). PII pointers and redWhen are read from here. */
  data?: Record<string, unknown>;
  /** The current approval of the card / run. */
  approval?: { state: ApprovalState; by?: string | null; comment?: string | null };
  /** approval.decide: the decision being made. */
  decision?: { state: 'approved' | 'rejected'; comment?: string | null };
  ai?: GuardAi;
  /** Last sync the server accepted (null: never). The engine derives `sync.ageMs`. */
  sync?: { lastSyncAt: string | null };
  /** Where the data goes: a model endpoint, the sync server, or stays on the device. */
  destination?: { kind: 'model' | 'server' | 'device'; region: string };
  /** ISO time of the decision; defaults to the engine's clock. */
  now?: string;
}

export type InjectionFamily =
  'override' | 'persona' | 'prompt-leak' | 'exfiltration' | 'delimiter' | 'governance' | 'addressing' | 'encoded' | 'obfuscation' | 'classifier';

export interface InjectionSignal {
  family: InjectionFamily;
  /** Rule id, e.g. `override.verb-target`. */
  rule: string;
  /** Contribution to the input's score; an input scoring >= 1 is an injection. */
  weight: number;
  /** Index into the scanned inputs. */
  input: number;
  /** The normalised text that matched (at most 80 characters). */
  excerpt: string;
  /** How the text was hidden, when the match needed unhiding. */
  via?: 'base64' | 'hex' | 'url' | 'spaced' | 'homoglyph' | 'leet';
}

export interface InjectionReport {
  detected: boolean;
  /** Highest input score. */
  score: number;
  /** Families of the signals of detected inputs, deduplicated. */
  families: InjectionFamily[];
  signals: InjectionSignal[];
  /** Number of inputs scanned. */
  scanned: number;
  /** Indexes of inputs found to be injections. */
  flaggedInputs: number[];
}

/** The policy document's verdict, its reasons as messages (`guard.policy.*`). */
export interface GuardVerdict extends PolicyVerdict {
  reasons: Message[];
}

export interface GuardResult {
  /** policy allows && every matching invariant passes. */
  allowed: boolean;
  policy: GuardVerdict;
  invariants: InvariantResult[];
  lane: Lane;
  /** Why the lane is what it is, one message per rule that raised it (`guard.lane.*`). */
  laneReasons: Message[];
  /** null when the action has no AI input. */
  injection: InjectionReport | null;
  /** When not allowed: the smallest safe next step, as a message (`guard.next.*`). */
  nextSafeStep: Message | null;
}

/**
 * An invariant's words for people (the `plain` map of its YAML): what it makes sure of, what happened
 * when it does not hold, and what to do next. No codes, expressions or placeholders.
 */
export interface PlainText {
  what: string;
  failed: string;
  next: string;
}

/** Language tag (`en`, `fi`, `pt-BR`) → the texts; `en` is always there, others are added as data only. */
export type PlainTexts = { en: PlainText } & { [lang: string]: PlainText | undefined };

export const PLAIN_LANG_PATTERN = '^[a-z]{2,3}(-[A-Z]{2})?$';

export interface PolicyLoadError {
  /** Path relative to the policy directory, e.g. `invariants/budget.yaml`. */
  file: string;
  /** 1-based line; 0 when the error is about the file as a whole. */
  line: number;
  /** Why, in the loader's English (logs, CLI). */
  reason: string;
  /** The same as a message (`guard.load.*`, decision 0030): what Health and the alerts show in the reader's language. */
  message?: Message;
}

export interface PolicyReloadResult {
  ok: boolean;
  errors: PolicyLoadError[];
}
