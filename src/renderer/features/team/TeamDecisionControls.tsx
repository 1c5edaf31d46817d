import type { TeamCardView } from '../../../shared/team/views';
import { canDecideAgain } from './team';
import { useDecision } from '../runs/decision-store';
import { useApprover } from './hooks';

export interface DecisionSubject {
  device: string;
  user: string;
  runId: string;
  cardId: string;
  subject: string;
  /** the card waits for approval */
  awaiting: boolean;
  decision: TeamCardView['decision'];
}

export const subjectOfCard = (v: TeamCardView): DecisionSubject => ({
  device: v.device,
  user: v.user,
  runId: v.card.runId,
  cardId: v.card.id,
  subject: v.card.subject,
  awaiting: v.card.status === 'awaiting_approval',
  decision: v.decision,
});

/** Approve / Reject of a card recorded on another device, for reviewers and admins; nothing once a decision from here stands. */
export function TeamDecisionControls({ s }: { s: DecisionSubject }) {
  const { can, roles, revoked } = useApprover();
  const askDecide = useDecision((st) => st.ask);
  if (!s.awaiting || !s.runId || !canDecideAgain(s.decision)) return null;
  if (!can)
    return (
      <p className="small muted" data-testid="team-decision-not-allowed">
        Waiting for a reviewer.{' '}
        {revoked
          ? "This device's certificate is revoked: it cannot sign approvals."
          : `This device's certificate allows ${roles.join(', ') || 'no roles'}; approving needs reviewer or admin.`}
      </p>
    );
  const ask = (decision: 'approve' | 'reject') =>
    askDecide({ scope: 'tenant', device: s.device, user: s.user, runId: s.runId, cardId: s.cardId, subject: s.subject, decision });
  return (
    <div className="row-actions" data-testid="team-decision-actions">
      <button type="button" onClick={() => ask('approve')}>
        Approve
      </button>
      <button type="button" className="danger" onClick={() => ask('reject')}>
        Reject
      </button>
      {s.decision?.state === 'refused' && <span className="small muted">Your last decision was refused; you may decide again.</span>}
    </div>
  );
}
