import type { TeamCardView } from '../../../shared/team/views';
import { dateTime } from '../../ui/format';
import { DECISION_STATE_TEXT, decisionText, decisionTone } from './team';

/**
 * Where an approval or rejection sent from this device stands: queued → accepted by the server →
 * applied on the field device; or conflict (another reviewer's decision came first) / refused.
 * `compact` (list rows) keeps the message in the tooltip.
 */
export function DecisionChip({ decision, compact = false }: { decision: TeamCardView['decision']; compact?: boolean }) {
  if (!decision) return null;
  const full = decisionText(decision);
  return (
    <span
      className={`badge decision-chip tone-${decisionTone(decision.state)}`}
      data-testid="team-decision"
      data-state={decision.state}
      data-decision={decision.decision}
      title={`${full} (${dateTime(decision.at)})`}
    >
      {compact ? `${decision.decision === 'approved' ? 'Approved' : 'Rejected'}: ${DECISION_STATE_TEXT[decision.state]}` : full}
    </span>
  );
}
