import { withCause } from '../../../shared/error-messages';
import { msg, type Message } from '../../../shared/messages';
import type { Logger } from '../../platform/util/logger';
import type { PolicyEngine } from './index';
import { loadErrorWhy } from './load-problem';

/** A file refused at a load: where, and why (as a message when the loader gave one, else its own words). */
type LoadError = { file: string; line?: number | null; reason: string; message?: Message };

/** The POLICY_LOAD_FAILED alert for a refused file: `{at}: {why}`. */
export const loadErrorAlert = (e: LoadError, at: string): Message => withCause(msg('alerts.policy_load_failed', { at }), loadErrorWhy(e));

/** Every file refused at the policy's last (re)load is logged and raised as an alert. */
export function reportPolicyErrors(
  policy: Pick<PolicyEngine, 'lastErrors'>,
  logger: Logger,
  alert: (code: string, message: Message, subject: string) => void,
): void {
  for (const e of policy.lastErrors()) {
    logger.warn('policy file refused', { code: 'POLICY_LOAD_FAILED', file: e.file, line: e.line, reason: e.reason });
    alert('POLICY_LOAD_FAILED', loadErrorAlert(e, `${e.file}:${e.line}`), e.file);
  }
}
