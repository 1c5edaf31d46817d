import { useTranslation } from 'react-i18next';
import type { OutboxState } from '../../../shared/api/types';

export function OutboxStateBadge({ state }: { state: OutboxState }) {
  const { t } = useTranslation('outbox');
  return <span className={`badge state-${state}`}>{t(`state.${state}`)}</span>;
}
