import type { TeamCardView, TeamRunView } from '../../../shared/team/views';
import { dateTime } from '../../ui/format';
import { LaneBadge } from '../cards/LaneBadge';
import { CardDetail } from '../cards/CardDetail';
import { DecisionChip } from '../team/DecisionChip';
import { TeamDecisionControls, subjectOfCard, type DecisionSubject } from '../team/TeamDecisionControls';

const money = (cents: number) => (cents / 100).toFixed(2);

/** A run recorded on another device (runs.get, scope 'tenant'): its summary, the card it waits on with Approve / Reject, and its cards. */
export function TenantRunBody({ view, cards }: { view: TeamRunView; cards: TeamCardView[] }) {
  const run = view.run;
  const waiting = view.awaitingCard ? cards.find((c) => c.card.id === view.awaitingCard) : undefined;
  const subject: DecisionSubject | null = waiting
    ? { ...subjectOfCard(waiting), decision: waiting.decision ?? view.decision }
    : view.awaitingCard
      ? { device: view.device, user: view.user, runId: run.id, cardId: view.awaitingCard, subject: run.title, awaiting: true, decision: view.decision }
      : null;
  return (
    <>
      <dl className="figures small budgets">
        <dt>Steps</dt>
        <dd>
          {run.progress.done} of {run.progress.total}
          {run.currentStep ? ` · now at ${run.currentStep}` : ''}
        </dd>
        <dt>Cost</dt>
        <dd>
          {money(run.used.costCents)} of {money(run.budgets.costCents)}
        </dd>
        <dt>Tokens</dt>
        <dd>
          {run.used.tokens.toLocaleString()} of {run.budgets.tokens.toLocaleString()}
        </dd>
        <dt>Updated</dt>
        <dd>{dateTime(run.updatedAt)}</dd>
      </dl>
      {subject && (
        <section className="stack team-awaiting" aria-label="Approval">
          <p className="small">
            <strong>Waiting for approval:</strong> {waiting?.card.subject ?? 'the card it waits on has not reached this device yet'}
          </p>
          <TeamDecisionControls s={subject} />
        </section>
      )}
      {view.decision && (
        <div className="row-actions">
          <DecisionChip decision={view.decision} />
        </div>
      )}
      <section className="stack" aria-label="Cards">
        <strong className="small">Cards ({cards.length})</strong>
        {cards.length === 0 && <p className="small muted">No cards from this run have reached this device yet.</p>}
        {cards.map((c) => (
          <details key={c.card.id} className="team-run-card" open={c.card.id === view.awaitingCard} data-card={c.card.id} data-status={c.card.status}>
            <summary className="small">
              <LaneBadge lane={c.card.lane} /> {c.card.status.replace('_', ' ')} — {c.card.subject}
            </summary>
            <CardDetail card={c.card} team={c} actions={false} />
          </details>
        ))}
      </section>
    </>
  );
}
