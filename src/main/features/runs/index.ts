// The door to governed workflow runs: createRunService(deps) → RunService (engine.ts), the card
// store it writes (src/main/features/cards), manifests (manifest.ts) and the executor allowlist.
export { createRunService, SERVICE_ACTOR } from './engine';
export type { RunService, RunServiceDeps, StartInput, DecideInput, RunListQuery, RunEvent, BoundaryPhase } from './engine';
export type { Guard, GuardContext, GuardResult } from './guard';
export { loadManifestDir, parseManifest, manifestDigest } from './manifest';
export type { LoadedManifest } from './manifest';
export { EXECUTOR_REGISTRY, FALLBACK_MODEL } from './executors/index';
export { toRunView, toRunSummaryView, stepSummary } from './views';
