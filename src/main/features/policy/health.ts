import { withCause } from '../../../shared/error-messages';
import { msg, type Message } from '../../../shared/messages';
import { loadErrorWhy } from './load-problem';
import type { HealthRegistry } from '../../platform/health';
import type { PolicyEngine } from './index';
import type { WorkflowsLoaded } from './ports';
import { DEV_VERSION_SUFFIX } from './overlay';

type Problem = { file: string; line?: number | null; reason: string; message?: Message };

/** Where a refused file's problem is: `file:line` (the file alone for the file as a whole). */
const where = (p: Problem): string => `${p.file}${p.line ? `:${p.line}` : ''}`;

/** The files refused at the last load, in the loader's English: `file:line reason; …`. */
const problemList = (problems: readonly Problem[]): string => problems.map((p) => `${where(p)} ${p.reason}`).join('; ');

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
          : `Policy ${version}: ${policy.invariantCount()} invariants, ${workflows} workflows${problems.length ? `; ${problems.length} file(s) refused, previous set in force: ${problemList(problems)}` : ''}.${development ? ' DEVELOPMENT policy overlay in force (MAESTRO_DEV_POLICY=1): the test models may run; not for real work.' : ''}`,
      // The same in the reader's language (guard.health.*): each file refused is a message of its own,
      // where it is and why (guard.load.*) as its cause; the Health view joins them with spaces.
      messages:
        version === null
          ? [msg('guard.health.none')]
          : [
              problems.length
                ? msg('guard.health.loaded_refused', { version, invariants: policy.invariantCount(), workflows, refused: problems.length })
                : msg('guard.health.loaded', { version, invariants: policy.invariantCount(), workflows }),
              ...problems.map((p, i) =>
                withCause(msg('guard.health.problem', { at: where(p), last: i === problems.length - 1 ? 'yes' : 'no' }), loadErrorWhy(p)),
              ),
              ...(development ? [msg('guard.health.development')] : []),
            ],
      figures: { version, invariants: policy.invariantCount(), workflows, refused: problems.length, development },
    };
  });
}
