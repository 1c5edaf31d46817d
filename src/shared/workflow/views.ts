// What the API table returns for workflows, runs and decision cards (JSON-serializable views),
// declared once with TypeBox: the JSON Schemas (re-exported by ./schemas.ts) and the types.
import { Type, type Static } from '@sinclair/typebox';
import { enumOf, nullable, obj } from '../typebox';
import { messageSchema } from '../messages';
import { reasonSchema } from '../policy/reasons';
import { workflowI18nSchema } from './manifest-schema';
import { budgetsSchema, CARD_STATUSES, decisionCardSchema, LANES, RUN_ERROR_CODES, RUN_STATUSES, STEP_STATUSES, wordsSchema } from './types';

const str = Type.String();
const int = Type.Integer();
const lane = enumOf(LANES);

export const workflowInfoSchema = obj({
  workflow: str,
  title: str,
  description: nullable(str),
  /** The manifest's words in other languages (its `i18n`; absent when it has none): shown words only. */
  i18n: Type.Optional(workflowI18nSchema),
  inputContract: str,
  /** SHA-256 of the manifest's canonical JSON. */
  digest: str,
  budgets: budgetsSchema,
  steps: Type.Array(obj({ id: str, uses: str, title: nullable(str), compensate: nullable(str) })),
});
export type WorkflowInfo = Static<typeof workflowInfoSchema>;

export const loadProblemSchema = obj({ file: str, line: nullable(int), reason: str });
export type LoadProblem = Static<typeof loadProblemSchema>;

const runStepSchema = obj({
  stepId: str,
  uses: str,
  title: nullable(str),
  status: enumOf(STEP_STATUSES),
  startedAt: nullable(str),
  finishedAt: nullable(str),
  /** One line about what the step produced (or why it failed). */
  summary: nullable(str),
  /** The summary's parts for people (system.step.*, joined by system.step.join); absent when there is no summary. */
  summaryWords: Type.Optional(Type.Array(messageSchema)),
  error: nullable(str),
  /** The step's error for people (runs failed since messages; absent: show `error`). */
  errorWords: Type.Optional(wordsSchema),
  costCents: int,
  tokens: int,
  cardIds: Type.Array(str),
});
export type RunStepView = Static<typeof runStepSchema>;

const runProps = {
  id: str,
  workflow: str,
  title: str,
  status: enumOf(RUN_STATUSES),
  startedBy: str,
  createdAt: str,
  updatedAt: str,
  finishedAt: nullable(str),
  /** The step running or waiting now; null when finished. */
  currentStep: nullable(str),
  progress: obj({ done: int, total: int }),
  budgets: budgetsSchema,
  used: obj({ tokens: int, costCents: int, wallTimeMs: int }),
  lane: nullable(lane),
  /** The engine's error line (log form: codes with params, invariant ids). */
  error: nullable(str),
  /**
   * The error line for people (runs failed since messages; absent: show `error`): what happened, the
   * reasons after it, and the next safe step.
   */
  errorWords: Type.Optional(obj({ what: wordsSchema, reasons: Type.Array(reasonSchema), next: nullable(reasonSchema) })),
  /** The error's code when the run failed (what the renderer words for people); absent otherwise. */
  errorCode: Type.Optional(enumOf(RUN_ERROR_CODES)),
};
export const runSummarySchema = obj(runProps);
export const runViewSchema = obj({ ...runProps, steps: Type.Array(runStepSchema) });
export type RunView = Static<typeof runViewSchema>;
export type RunSummary = Static<typeof runSummarySchema>;

export const CARD_SORTS = ['time', 'cost', 'uncertainty'] as const;
export type CardSort = (typeof CARD_SORTS)[number];

export const cardListQuerySchema = obj({
  text: Type.Optional(Type.String({ maxLength: 200 })),
  lane: Type.Optional(lane),
  status: Type.Optional(enumOf(CARD_STATUSES)),
  failedInvariant: Type.Optional(Type.String({ maxLength: 200 })),
  runId: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  sort: Type.Optional(enumOf(CARD_SORTS)),
  dir: Type.Optional(enumOf(['asc', 'desc'])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
});
export type CardListQuery = Static<typeof cardListQuerySchema>;

export const cardListResponseSchema = obj({ cards: Type.Array(decisionCardSchema), nextCursor: nullable(str) });
export type CardListResponse = Static<typeof cardListResponseSchema>;

/** Cards per lane per day (UTC), oldest first: the reviewer's chart. */
export const cardStatsSchema = obj({
  days: Type.Array(obj({ day: str, GREEN: int, YELLOW: int, RED: int })),
  failedInvariants: Type.Array(obj({ id: str, count: int })),
});
export type CardStats = Static<typeof cardStatsSchema>;

export const policyStatusSchema = obj({
  version: nullable(str),
  invariants: int,
  workflows: int,
  problems: Type.Array(loadProblemSchema),
  loadedAt: nullable(str),
  /** The policy's four-eyes switch (params.fourEyes): nobody decides a run they started. False when no policy is loaded. */
  fourEyes: Type.Boolean(),
});
export type PolicyStatus = Static<typeof policyStatusSchema>;
