import type { Lane } from '../../../shared/workflow/types';

const CLS: Record<Lane, string> = { GREEN: 'badge-ok', YELLOW: 'badge-warn', RED: 'badge-error' };

export function LaneBadge({ lane }: { lane: Lane }) {
  return <span className={`badge ${CLS[lane]}`}>{lane}</span>;
}
