import { useTranslation } from 'react-i18next';
import type { RunStatus, StepStatus } from '../../../shared/workflow/types';

const CLS: Record<RunStatus | StepStatus, string> = {
  pending: '',
  running: 'badge-version',
  awaiting_approval: 'badge-warn',
  succeeded: 'badge-ok',
  failed: 'badge-error',
  rolled_back: 'badge-error',
  compensated: 'badge-warn',
  compensating: 'badge-warn',
  skipped: '',
};

export function RunStatusBadge({ status }: { status: RunStatus | StepStatus }) {
  const { t } = useTranslation('runs');
  return (
    <span className={`badge ${CLS[status]}`} data-testid="status-badge">
      {t(`status.${status}`)}
    </span>
  );
}
