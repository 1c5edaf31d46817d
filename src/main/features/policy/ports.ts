// What the policy feature needs from other features (structural: their services satisfy these).
import type { PolicyLoadError } from '../../../shared/policy/types';

/** The workflows in force and the workflow files refused at load (features/runs' service). */
export interface WorkflowsLoaded {
  workflows(): unknown[];
  loadErrors(): Pick<PolicyLoadError, 'file' | 'line' | 'reason'>[];
}
