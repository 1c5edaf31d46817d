import type { HealthRegistry } from '../../platform/health';
import type { PolicyEngine } from './index';
import type { WorkflowsLoaded } from './ports';
import { DEV_VERSION_SUFFIX } from './overlay';

/**
 * policy.loaded: error when no policy is loaded (every guarded action is refused); warn when a
 * policy or workflow file was refused (the previous set stays in force) or the development overlay
 * is in force (the test models may run); ok otherwise.
 */
export function registerPolicyHealth(
  health: HealthRegistry,
  policy: Pick<PolicyEngine, 'lastErrors' | 'version' | 'invariantCount'>,
  runs: WorkflowsLoaded,
): void {
  health.register('policy.loaded', () => {
    const problems = [...policy.lastErrors(), ...runs.loadErrors()];
    const version = policy.version();
    const workflows = runs.workflows().length;
    const development = version?.endsWith(DEV_VERSION_SUFFIX) ?? false;
    return {
      service: 'policy',
      status: version === null ? 'error' : problems.length || development ? 'warn' : 'ok',
      summary:
        version === null
          ? 'No policy loaded: every guarded action is refused (fail closed).'
          : `Policy ${version}: ${policy.invariantCount()} invariants, ${workflows} workflows${problems.length ? `; ${problems.length} file(s) refused, previous set in force: ${problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''} ${p.reason}`).join('; ')}` : ''}.${development ? ' DEVELOPMENT policy overlay in force (MAESTRO_DEV_POLICY=1): the test models may run; not for real work.' : ''}`,
      figures: { version, invariants: policy.invariantCount(), workflows, refused: problems.length, development },
    };
  });
}
