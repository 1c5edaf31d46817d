import { useTranslation } from 'react-i18next';
import type { CheckStatus } from '../../shared/api/types';

export function StatusBadge({ status, label }: { status: CheckStatus; label?: string }) {
  const { t } = useTranslation('ui');
  return <span className={`badge badge-${status}`}>{label ?? t(`status.${status}`)}</span>;
}
