// Pure words (no API, no DOM): whether a run waiting for a reviewer can reach one yet, and if not why.
import type { TeamStatus } from '../../../shared/team/views';
import type { RunStatus } from '../../../shared/workflow/types';

/**
 * Why no reviewer on another device can see this device's waiting run yet, in words, with what
 * happens next; null when it is shared (or the run does not wait, or team status is not known yet).
 * Runs are shared once this device holds a tenant key, and runs already waiting then are shared at once.
 */
export function reachOf(status: TeamStatus | null, run: RunStatus): string | null {
  if (run !== 'awaiting_approval' || !status) return null;
  if (!status.enrolled)
    return 'No reviewer on another device can see this run yet: this device is not enrolled in a team. Once it is enrolled and has the team key, the run is shared with reviewers on its own. A reviewer or admin on this device can decide it here meanwhile.';
  if (status.certificate?.status === 'revoked')
    return "No reviewer on another device can see this run: this device's certificate is revoked, so it shares nothing. Ask an admin.";
  if (status.keys.current === null)
    return 'No reviewer on another device can see this run yet: this device has no team key. An admin’s device hands it out when both have synced; the run is shared with reviewers then, on its own, with the next sync.';
  return null;
}
