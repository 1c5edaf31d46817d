import type { OutboxState } from '../../../shared/api/types';

export function OutboxStateBadge({ state }: { state: OutboxState }) {
  return <span className={`badge state-${state}`}>{state}</span>;
}
