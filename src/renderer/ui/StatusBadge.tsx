import type { CheckStatus } from '../../shared/api/types';

export function StatusBadge({ status, label }: { status: CheckStatus; label?: string }) {
  return <span className={`badge badge-${status}`}>{label ?? status}</span>;
}
