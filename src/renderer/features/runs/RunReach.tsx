import type { RunStatus } from '../../../shared/workflow/types';
import { useTeam } from '../team/team-store';
import { reachOf } from './reach-words';

/** On this device's waiting run: why no reviewer can see it yet, and when they will (nothing once it is shared). */
export function RunReach({ status }: { status: RunStatus }) {
  const team = useTeam((s) => s.status);
  const why = reachOf(team, status);
  if (!why) return null;
  return (
    <p className="small next-step" role="note" data-testid="run-reach">
      {why}
    </p>
  );
}
