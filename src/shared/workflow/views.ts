// What the API table returns for workflows, runs and decision cards (JSON-serializable views).
import type { CardStatus, DecisionCard, Lane, RunBudgets, RunStatus, StepStatus } from './types';

export interface WorkflowInfo {
  workflow: string;
  title: string;
  description: string | null;
  inputContract: string;
  /** SHA-256 of the manifest's canonical JSON. */
  digest: string;
  budgets: RunBudgets;
  steps: { id: string; uses: string; title: string | null; compensate: string | null }[];
}

export interface LoadProblem {
  file: string;
  line: number | null;
  reason: string;
}

export interface RunStepView {
  stepId: string;
  uses: string;
  title: string | null;
  status: StepStatus;
  startedAt: string | null;
  finishedAt: string | null;
  /** One line about what the step produced (or why it failed). */
  summary: string | null;
  error: string | null;
  costCents: number;
  tokens: number;
  cardIds: string[];
}

export interface RunView {
  id: string;
  workflow: string;
  title: string;
  status: RunStatus;
  startedBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** The step running or waiting now; null when finished. */
  currentStep: string | null;
  progress: { done: number; total: number };
  budgets: RunBudgets;
  used: { tokens: number; costCents: number; wallTimeMs: number };
  lane: Lane | null;
  error: string | null;
  steps: RunStepView[];
}

export type RunSummary = Omit<RunView, 'steps'>;

export const CARD_SORTS = ['time', 'cost', 'uncertainty'] as const;
export type CardSort = (typeof CARD_SORTS)[number];

export interface CardListQuery {
  text?: string;
  lane?: Lane;
  status?: CardStatus;
  failedInvariant?: string;
  runId?: string;
  from?: string;
  to?: string;
  sort?: CardSort;
  dir?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

export interface CardListResponse {
  cards: DecisionCard[];
  nextCursor: string | null;
}

/** Cards per lane per day (UTC), oldest first: the reviewer's chart. */
export interface CardStats {
  days: { day: string; GREEN: number; YELLOW: number; RED: number }[];
  failedInvariants: { id: string; count: number }[];
}

export interface PolicyStatus {
  version: string | null;
  invariants: number;
  workflows: number;
  problems: LoadProblem[];
  loadedAt: string | null;
}
