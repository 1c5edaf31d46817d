import type { RiskLevel } from '../../../shared/risk';

const CLS: Record<RiskLevel, string> = { low: 'badge-ok', medium: 'badge-warn', high: 'badge-high', critical: 'badge-error' };

export function LevelBadge({ level }: { level: RiskLevel }) {
  return <span className={`badge ${CLS[level]}`}>{level}</span>;
}
