import type { Logger } from '../../platform/util/logger';
import type { PolicyEngine } from './index';

/** Every file refused at the policy's last (re)load is logged and raised as an alert. */
export function reportPolicyErrors(
  policy: Pick<PolicyEngine, 'lastErrors'>,
  logger: Logger,
  alert: (code: string, message: string, subject: string) => void,
): void {
  for (const e of policy.lastErrors()) {
    logger.warn('policy file refused', { code: 'POLICY_LOAD_FAILED', file: e.file, line: e.line, reason: e.reason });
    alert('POLICY_LOAD_FAILED', `${e.file}:${e.line}: ${e.reason}`, e.file);
  }
}
