import { Trans, useTranslation } from 'react-i18next';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { TeamCardView } from '../../../shared/team/views';
import { useApp } from '../../app-store';
import { canReview } from '../runs/runs-store';
import { DecisionButtons } from '../runs/DecisionButtons';
import { dateTime } from '../../ui/format';
import { Who } from '../../ui/Who';
import { LaneBadge } from './LaneBadge';
import { CardRecord } from './CardRecord';
import { noRunLabel } from './card-origin';
import { CardLead } from './CardLead';
import { CardTechDetails } from './CardTechDetails';
import { DecisionChip } from '../team/DecisionChip';
import { TeamDecisionControls, subjectOfCard } from '../team/TeamDecisionControls';
import { useWorkflowWords } from '../runs/use-workflow-words';

interface Props {
  card: DecisionCard;
  /** Team sync: the device and user that recorded the card, and a decision sent from here. */
  team?: TeamCardView;
  /** Approve / Reject and the decision chip (false: the surrounding view shows them). */
  actions?: boolean;
}

/**
 * One card: its head, what happened in words (CardLead), then the codes, invariants, options and evidence
 * under Details (CardTechDetails). A card of another device (team sync) is decided through runs.decide with scope 'tenant'; this
 * device's cards through runs.decide.
 */
export function CardDetail({ card, team, actions = true }: Props) {
  const { t } = useTranslation('cards');
  return (
    <article
      className="card card-detail stack"
      aria-label={t('detail.label')}
      data-testid="card-detail"
      data-id={card.id}
      data-status={card.status}
      data-device={team?.device}
      data-local={team ? String(team.local) : undefined}
    >
      <CardHead card={card} team={team} />
      <CardLead card={card} remote={team !== undefined && !team.local} />
      {card.runId && <CardRecord runId={card.runId} device={team && !team.local ? team.device : undefined} compact={card.status !== 'awaiting_approval'} />}
      <CardTechDetails card={card} />
      {actions && <CardActions card={card} team={team} />}
    </article>
  );
}

function CardHead({ card, team }: { card: DecisionCard; team?: TeamCardView }) {
  const { t } = useTranslation('cards');
  const { cardSubject } = useWorkflowWords();
  return (
    <>
      <header className="card-head">
        <strong>{cardSubject(card)}</strong>
        <LaneBadge lane={card.lane} />
        <span
          className={`badge ${card.status === 'denied' || card.status === 'rejected' ? 'badge-error' : card.status === 'awaiting_approval' ? 'badge-warn' : 'badge-ok'}`}
        >
          {t(`status.${card.status}`)}
        </span>
      </header>
      <p className="small muted" data-testid="card-origin">
        {card.runId ? <Trans t={t} i18nKey="detail.run" components={{ id: <span className="mono">{card.runId}</span> }} /> : noRunLabel(card.kind)} ·{' '}
        {card.stepId ? t('detail.step', { step: card.stepId }) : card.kind} · {dateTime(card.createdAt)}
      </p>
      {team && (
        <p className="small" data-testid="card-device">
          <Trans t={t} i18nKey="detail.from" components={{ device: <Who device={team.device} tagSelf />, user: <Who profile={team.user || null} /> }} />
          {!team.local && <span className="muted"> · {t('detail.received', { when: dateTime(team.receivedAt) })}</span>}
        </p>
      )}
    </>
  );
}

/** The decision chip and Approve / Reject: both through runs.decide (another device's card with scope 'tenant'). */
function CardActions({ card, team }: { card: DecisionCard; team?: TeamCardView }) {
  const roles = useApp((s) => s.roles);
  const remote = team !== undefined && !team.local;
  const { cardSubject } = useWorkflowWords();
  return (
    <>
      {team?.decision && (
        <div className="row-actions">
          <DecisionChip decision={team.decision} />
        </div>
      )}
      {team && !team.local && <TeamDecisionControls s={subjectOfCard(team, cardSubject)} />}
      {/* Only a reviewer gets the buttons; the card's lead already says who decides otherwise. */}
      {!remote && card.status === 'awaiting_approval' && card.runId && canReview(roles) && (
        <DecisionButtons keys target={{ scope: 'device', runId: card.runId, cardId: card.id, subject: cardSubject(card) }} />
      )}
    </>
  );
}
