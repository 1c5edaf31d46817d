// Moved to src/shared/workflow/run-views.ts (pure). Kept so existing imports of runs/views still work.
export { toRunSummaryView, toRunView } from '../../../shared/workflow/run-views';
