import { useTranslation } from 'react-i18next';
import type { TeamCardView } from '../../../shared/team/views';
import { dateTime } from '../../ui/format';
import { decisionShortText, decisionText, decisionTone } from './team';

/**
 * Where an approval or rejection sent from this device stands: queued → accepted by the server →
 * applied on the field device; or conflict (another reviewer's decision came first) / refused.
 * `compact` (list rows) keeps the message in the tooltip.
 */
export function DecisionChip({ decision, compact = false }: { decision: TeamCardView['decision']; compact?: boolean }) {
  const { t } = useTranslation('team');
  if (!decision) return null;
  const full = decisionText(decision);
  return (
    <span
      className={`badge decision-chip tone-${decisionTone(decision.state)}`}
      data-testid="team-decision"
      data-state={decision.state}
      data-decision={decision.decision}
      title={t('decision.title', { text: full, at: dateTime(decision.at) })}
    >
      {compact ? decisionShortText(decision) : full}
    </span>
  );
}
