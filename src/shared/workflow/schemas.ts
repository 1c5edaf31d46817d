// JSON Schemas of the workflow, run and decision-card views (plain data, compiled where validation runs).
import { CARD_SORTS } from './views';
import { CARD_KINDS, CARD_STATUSES, LANES, RUN_STATUSES, STEP_STATUSES } from './types';

type Schema = Record<string, unknown>;
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const num: Schema = { type: 'number' };
const nullable = (x: Schema): Schema => ({ anyOf: [{ type: 'null' }, x] });
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const arr = (items: Schema): Schema => ({ type: 'array', items });
const lane: Schema = { enum: [...LANES] };

export const budgetsSchema = obj({ tokens: int, wallTimeMs: int, costCents: int });

export const workflowInfoSchema = obj({
  workflow: str,
  title: str,
  description: nullable(str),
  inputContract: str,
  digest: str,
  budgets: budgetsSchema,
  steps: arr(obj({ id: str, uses: str, title: nullable(str), compensate: nullable(str) })),
});

export const loadProblemSchema = obj({ file: str, line: nullable(int), reason: str });

const runStepSchema = obj({
  stepId: str,
  uses: str,
  title: nullable(str),
  status: { enum: [...STEP_STATUSES] },
  startedAt: nullable(str),
  finishedAt: nullable(str),
  summary: nullable(str),
  error: nullable(str),
  costCents: int,
  tokens: int,
  cardIds: arr(str),
});

const runProps: Record<string, Schema> = {
  id: str,
  workflow: str,
  title: str,
  status: { enum: [...RUN_STATUSES] },
  startedBy: str,
  createdAt: str,
  updatedAt: str,
  finishedAt: nullable(str),
  currentStep: nullable(str),
  progress: obj({ done: int, total: int }),
  budgets: budgetsSchema,
  used: obj({ tokens: int, costCents: int, wallTimeMs: int }),
  lane: nullable(lane),
  error: nullable(str),
};
export const runSummarySchema = obj(runProps);
export const runViewSchema = obj({ ...runProps, steps: arr(runStepSchema) });

export const decisionCardSchema = obj({
  id: str,
  kind: { enum: [...CARD_KINDS] },
  runId: str,
  stepId: nullable(str),
  subject: str,
  createdAt: str,
  options: arr(obj({ id: str, label: str, predictedQuality: num, predictedCostCents: int, latencyMs: num, uncertainty: num })),
  chosen: nullable(str),
  rationale: str,
  invariants: arr(
    obj({ id: str, pass: { type: 'boolean' }, message: nullable(str), values: { type: 'object' }, error: str }, ['id', 'pass', 'message', 'values']),
  ),
  policy: obj({ decision: { enum: ['allow', 'deny'] }, reasons: arr(str), policyVersion: nullable(str) }),
  lane,
  laneReasons: arr(str),
  approval: obj(
    {
      state: { enum: ['not_required', 'pending', 'approved', 'rejected'] },
      by: nullable(str),
      at: nullable(str),
      comment: nullable(str),
      via: nullable(obj({ device: str, certVersion: { type: 'integer', minimum: 1 }, approvalId: str })),
    },
    ['state', 'by', 'at', 'comment'],
  ),
  evidence: obj({ memoryIds: arr(str), bundleDigests: arr(str), modelId: nullable(str) }),
  nextSafeStep: nullable(str),
  status: { enum: [...CARD_STATUSES] },
  auditHash: str,
});

export const cardListQuerySchema = obj(
  {
    text: { type: 'string', maxLength: 200 },
    lane,
    status: { enum: [...CARD_STATUSES] },
    failedInvariant: { type: 'string', maxLength: 200 },
    runId: { type: 'string', maxLength: 100 },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    sort: { enum: [...CARD_SORTS] },
    dir: { enum: ['asc', 'desc'] },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
    cursor: { type: 'string', minLength: 1, maxLength: 2000 },
  },
  [],
);

export const cardListResponseSchema = obj({ cards: arr(decisionCardSchema), nextCursor: nullable(str) });

export const cardStatsSchema = obj({
  days: arr(obj({ day: str, GREEN: int, YELLOW: int, RED: int })),
  failedInvariants: arr(obj({ id: str, count: int })),
});

export const policyStatusSchema = obj({ version: nullable(str), invariants: int, workflows: int, problems: arr(loadProblemSchema), loadedAt: nullable(str) });
