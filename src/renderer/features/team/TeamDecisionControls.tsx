import type { TeamCardView } from '../../../shared/team/views';
import { canDecideAgain } from './team';
import { DecisionButtons } from '../runs/DecisionButtons';
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
  if (!s.awaiting || !s.runId || !canDecideAgain(s.decision)) return null;
  const notAllowed = can
    ? null
    : `Waiting for a reviewer. ${
        revoked
          ? "This device's certificate is revoked: it cannot sign approvals."
          : `This device's certificate allows ${roles.join(', ') || 'no roles'}; approving needs reviewer or admin.`
      }`;
  return (
    <DecisionButtons
      target={{ scope: 'tenant', device: s.device, user: s.user, runId: s.runId, cardId: s.cardId, subject: s.subject }}
      notAllowed={notAllowed}
      note={s.decision?.state === 'refused' ? 'Your last decision was refused; you may decide again.' : null}
    />
  );
}
