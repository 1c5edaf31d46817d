// The JSON Schemas of the workflow, run and decision-card views. Each is declared once with TypeBox
// next to its type (./types.ts, ./views.ts); this module keeps their import path for the validators.
export { decisionCardSchema } from './types';
export {
  cardListQuerySchema,
  cardListResponseSchema,
  cardStatsSchema,
  loadProblemSchema,
  policyStatusSchema,
  runSummarySchema,
  runViewSchema,
  workflowInfoSchema,
} from './views';
