// Moved to src/shared/text.ts (pure, shared with src/main/features/inference/fallbacks.ts). This
// re-export keeps inference's imports working until they name src/shared/text directly; then delete it.
export { extractiveSummary } from '../../../../shared/text';
