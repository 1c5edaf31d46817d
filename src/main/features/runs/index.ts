// The door to governed workflow runs: createRunService(deps) → RunService (engine.ts), built by
// src/main/app/services.ts from the ports in ./ports.ts; manifests (manifest.ts) and the executor allowlist.
export { createRunService, SERVICE_ACTOR } from './engine';
export type { RunService, RunServiceDeps, StartInput, DecideInput, RunListQuery, RunEvent, BoundaryPhase } from './types';
export type { Guard, GuardContext, GuardResult } from './guard';
export type { AiKit, RunCards, RunOutbox } from './ports';
export { loadManifestDir, parseManifest, manifestDigest } from './manifest';
export type { LoadedManifest } from './manifest';
export { EXECUTOR_REGISTRY, FALLBACK_MODEL } from './executors/index';
export { toRunView, toRunSummaryView, stepSummary } from './views';
