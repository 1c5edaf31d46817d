// Pure words (no API, no DOM): whether a run waiting for a reviewer can reach one yet, and if not why.
// In the language in use (i18n, namespace "runs").
import type { TeamStatus } from '../../../shared/team/views';
import type { RunStatus } from '../../../shared/workflow/types';
import { i18next } from '../../i18n';

/**
 * Why no reviewer on another device can see this device's waiting run yet, in words, with what
 * happens next; null when it is shared (or the run does not wait, or team status is not known yet).
 * Runs are shared once this device holds a tenant key, and runs already waiting then are shared at once.
 */
export function reachOf(status: TeamStatus | null, run: RunStatus): string | null {
  if (run !== 'awaiting_approval' || !status) return null;
  if (!status.enrolled) return i18next.t('runs:reach.notEnrolled');
  if (status.certificate?.status === 'revoked') return i18next.t('runs:reach.revoked');
  if (status.keys.current === null) return i18next.t('runs:reach.noKey');
  return null;
}
