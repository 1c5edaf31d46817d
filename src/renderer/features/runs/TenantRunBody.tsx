import { useTranslation } from 'react-i18next';
import type { TeamCardView, TeamRunView } from '../../../shared/team/views';
import { dateTime, num } from '../../ui/format';
import { LaneBadge } from '../cards/LaneBadge';
import { CardDetail } from '../cards/CardDetail';
import { DecisionChip } from '../team/DecisionChip';
import { TeamDecisionControls, subjectOfCard, type DecisionSubject } from '../team/TeamDecisionControls';
import { useWorkflowWords } from './use-workflow-words';

/** Cents as money with two decimals in the language in use, without grouping ("12.50", "12,50"). */
const money = (cents: number) => num(cents / 100, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false });

/** A run recorded on another device (runs.get, scope 'tenant'): its summary, the card it waits on with Approve / Reject, and its cards. */
export function TenantRunBody({ view, cards }: { view: TeamRunView; cards: TeamCardView[] }) {
  const { t } = useTranslation('runs');
  const run = view.run;
  const { runTitle, cardSubject } = useWorkflowWords();
  const waiting = view.awaitingCard ? cards.find((c) => c.card.id === view.awaitingCard) : undefined;
  const subject: DecisionSubject | null = waiting
    ? { ...subjectOfCard(waiting, cardSubject), decision: waiting.decision ?? view.decision }
    : view.awaitingCard
      ? { device: view.device, user: view.user, runId: run.id, cardId: view.awaitingCard, subject: runTitle(run), awaiting: true, decision: view.decision }
      : null;
  return (
    <>
      <dl className="figures small budgets">
        <dt>{t('tenant.steps')}</dt>
        <dd>
          {run.currentStep
            ? t('tenant.progressAt', { done: run.progress.done, total: run.progress.total, step: run.currentStep })
            : t('tenant.progress', { done: run.progress.done, total: run.progress.total })}
        </dd>
        <dt>{t('budget.cost')}</dt>
        <dd>{t('budget.of', { used: money(run.used.costCents), budget: money(run.budgets.costCents) })}</dd>
        <dt>{t('budget.tokens')}</dt>
        <dd>{t('budget.of', { used: num(run.used.tokens), budget: num(run.budgets.tokens) })}</dd>
        <dt>{t('tenant.updated')}</dt>
        <dd>{dateTime(run.updatedAt)}</dd>
      </dl>
      {subject && (
        <section className="stack team-awaiting" aria-label={t('tenant.approval')}>
          <p className="small">
            <strong>{t('tenant.waitingFor')}</strong> {waiting ? cardSubject(waiting.card) : t('tenant.notReached')}
          </p>
          <TeamDecisionControls s={subject} />
        </section>
      )}
      {view.decision && (
        <div className="row-actions">
          <DecisionChip decision={view.decision} />
        </div>
      )}
      <section className="stack" aria-label={t('tenant.cards')}>
        <strong className="small">{t('tenant.cardsCount', { n: cards.length })}</strong>
        {cards.length === 0 && <p className="small muted">{t('tenant.noCards')}</p>}
        {cards.map((c) => (
          <details key={c.card.id} className="team-run-card" open={c.card.id === view.awaitingCard} data-card={c.card.id} data-status={c.card.status}>
            <summary className="small">
              <LaneBadge lane={c.card.lane} /> {t('detail.statusLine', { status: t(`cardStatus.${c.card.status}`), text: cardSubject(c.card) })}
            </summary>
            <CardDetail card={c.card} team={c} actions={false} />
          </details>
        ))}
      </section>
    </>
  );
}
