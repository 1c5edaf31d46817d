// The door to governed workflow runs: createRunService(deps) → RunService (engine.ts), built by
// src/main/app/services.ts from the ports in ./ports.ts; manifests (manifest.ts) and the executor allowlist.
export { createRunService } from './engine';
export type { RunService, DecideInput } from './types';
export { toRunView, toRunSummaryView } from '../../../shared/workflow/run-views';
