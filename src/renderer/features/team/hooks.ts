// Small hooks the team views share: a clock that ticks, refreshing on events, the roles this device approves with.
import { useEffect, useState } from 'react';
import type { EventName } from '../../../shared/api/types';
import { onEvent } from '../../api/client';
import { useApp } from '../../app-store';
import { useTeam } from './team-store';
import { approverRoles, mayApprove } from './team';

/** Date.now(), refreshed every `ms` (freshness lines say "3 min ago" and must keep saying the truth). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

const DEFAULT_EVENTS: EventName[] = ['team.changed', 'runs.changed'];

/**
 * Calls `refresh` after any of `events` (default: team.changed and runs.changed), at most once per
 * `delayMs`: a pull applies items page by page and each page fires an event. `refresh` must be stable.
 */
export function useRefreshOn(refresh: () => void, events: EventName[] = DEFAULT_EVENTS, delayMs = 250): void {
  const key = events.join(',');
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | null = null;
    const fire = () => {
      t ??= setTimeout(() => {
        t = null;
        refresh();
      }, delayMs);
    };
    const offs = key.split(',').map((e) => onEvent(e as EventName, fire));
    return () => {
      for (const off of offs) off();
      if (t) clearTimeout(t);
    };
  }, [refresh, key, delayMs]);
}

/** The roles this device signs approvals with (its team certificate's, else its enrollment's) and whether they allow approving. */
export function useApprover(): { roles: string[]; can: boolean; revoked: boolean } {
  const enrolled = useApp((s) => s.roles);
  const status = useTeam((s) => s.status);
  const roles = approverRoles(status, enrolled);
  return { roles, can: mayApprove(roles), revoked: status?.certificate?.status === 'revoked' };
}
