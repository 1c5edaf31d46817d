import { useTranslation } from 'react-i18next';
import type { RiskLevel } from '../../../shared/risk';

const CLS: Record<RiskLevel, string> = { low: 'badge-ok', medium: 'badge-warn', high: 'badge-high', critical: 'badge-error' };

export function LevelBadge({ level }: { level: RiskLevel }) {
  const { t } = useTranslation('admin');
  return <span className={`badge ${CLS[level]}`}>{t(`level.${level}`)}</span>;
}
