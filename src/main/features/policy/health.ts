import type { HealthRegistry } from '../../platform/health';
import type { PolicyEngine } from './index';
import type { WorkflowsLoaded } from './ports';

/**
 * policy.loaded: error when no policy is loaded (every guarded action is refused); warn when a
 * policy or workflow file was refused (the previous set stays in force); ok otherwise.
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
    return {
      service: 'policy',
      status: version === null ? 'error' : problems.length ? 'warn' : 'ok',
      summary:
        version === null
          ? 'No policy loaded: every guarded action is refused (fail closed).'
          : `Policy ${version}: ${policy.invariantCount()} invariants, ${workflows} workflows${problems.length ? `; ${problems.length} file(s) refused, previous set in force: ${problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''} ${p.reason}`).join('; ')}` : ''}.`,
      figures: { version, invariants: policy.invariantCount(), workflows, refused: problems.length },
    };
  });
}
