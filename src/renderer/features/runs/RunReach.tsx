import { useTranslation } from 'react-i18next';
import type { RunStatus } from '../../../shared/workflow/types';
import { useTeam } from '../team/team-store';
import { reachOf } from './reach-words';

/**
 * On this device's waiting run: why no reviewer can see it yet, and when they will (nothing once it
 * is shared). `compact`: one short line for a list row, the reason on hover.
 */
export function RunReach({ status, compact = false }: { status: RunStatus; compact?: boolean }) {
  const { t } = useTranslation('runs');
  const team = useTeam((s) => s.status);
  const why = reachOf(team, status);
  if (!why) return null;
  if (compact)
    return (
      <span className="small muted" title={why} data-testid="run-reach-short">
        {' '}
        {t('reach.short')}
      </span>
    );
  return (
    <p className="small next-step" role="note" data-testid="run-reach">
      {why}
    </p>
  );
}
