import { useTranslation } from 'react-i18next';
import type { TeamCardView } from '../../../shared/team/views';
import { canDecideAgain, roleList } from './team';
import { DecisionButtons } from '../runs/DecisionButtons';
import { useApprover } from './hooks';
import { subjectText } from '../cards/system-words';

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

export const subjectOfCard = (v: TeamCardView, subject: (c: TeamCardView['card']) => string = subjectText): DecisionSubject => ({
  device: v.device,
  user: v.user,
  runId: v.card.runId,
  cardId: v.card.id,
  subject: subject(v.card),
  awaiting: v.card.status === 'awaiting_approval',
  decision: v.decision,
});

/** Approve / Reject of a card recorded on another device, for reviewers and admins; nothing once a decision from here stands. */
export function TeamDecisionControls({ s }: { s: DecisionSubject }) {
  const { t } = useTranslation('team');
  const { can, roles, revoked } = useApprover();
  if (!s.awaiting || !s.runId || !canDecideAgain(s.decision)) return null;
  const notAllowed = can ? null : revoked ? t('controls.revoked') : roles.length ? t('controls.roles', { roles: roleList(roles) }) : t('controls.noRoles');
  return (
    <DecisionButtons
      target={{ scope: 'tenant', device: s.device, user: s.user, runId: s.runId, cardId: s.cardId, subject: s.subject }}
      notAllowed={notAllowed}
      note={s.decision?.state === 'refused' ? t('controls.refused') : null}
    />
  );
}
