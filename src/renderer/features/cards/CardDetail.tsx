import type { DecisionCard } from '../../../shared/workflow/types';
import type { TeamCardView } from '../../../shared/team/views';
import { useApp } from '../../app-store';
import { canReview } from '../runs/runs-store';
import { DecisionButtons } from '../runs/DecisionButtons';
import { dateTime } from '../../ui/format';
import { Named, Who } from '../../ui/Who';
import { LaneBadge } from './LaneBadge';
import { noRunLabel } from './card-origin';
import { viaText } from '../team/team';
import { DecisionChip } from '../team/DecisionChip';
import { TeamDecisionControls, subjectOfCard } from '../team/TeamDecisionControls';

const cents = (n: number) => `${(n / 100).toFixed(2)}`;

interface Props {
  card: DecisionCard;
  /** Team sync: the device and user that recorded the card, and a decision sent from here. */
  team?: TeamCardView;
  /** Approve / Reject and the decision chip (false: the surrounding view shows them). */
  actions?: boolean;
}

/**
 * One card with its constraints and reasons inline: policy, invariants (values when failed), lane,
 * approval, evidence. A card of another device (team sync) is decided through runs.decide with scope 'tenant'; this
 * device's cards through runs.decide.
 */
export function CardDetail({ card, team, actions = true }: Props) {
  return (
    <article
      className="card card-detail stack"
      aria-label="Decision card"
      data-testid="card-detail"
      data-id={card.id}
      data-status={card.status}
      data-device={team?.device}
      data-local={team ? String(team.local) : undefined}
    >
      <CardHead card={card} team={team} />
      <p className="small">{card.rationale}</p>
      {card.nextSafeStep && (
        <p className="small next-step" data-testid="next-safe-step">
          <strong>Smallest safe next step:</strong> {card.nextSafeStep}
        </p>
      )}
      <Reasons
        title={`Policy ${card.policy.policyVersion ? `v${card.policy.policyVersion}` : '(none loaded)'}: ${card.policy.decision}`}
        label="Policy"
        reasons={card.policy.reasons}
      />
      <Reasons title={`Lane ${card.lane}`} label="Lane" reasons={card.laneReasons} />
      <Invariants card={card} />
      {card.options.length > 0 && <Options card={card} />}
      <ApprovalLine card={card} />
      <p className="small muted">
        Evidence: model {card.evidence.modelId ?? '—'}; memory {card.evidence.memoryIds.length}; bundles {card.evidence.bundleDigests.length} · audit{' '}
        <span className="mono">{card.auditHash.slice(0, 12)}…</span>
      </p>
      {actions && <CardActions card={card} team={team} />}
    </article>
  );
}

function CardHead({ card, team }: { card: DecisionCard; team?: TeamCardView }) {
  return (
    <>
      <header className="card-head">
        <strong>{card.subject}</strong>
        <LaneBadge lane={card.lane} />
        <span
          className={`badge ${card.status === 'denied' || card.status === 'rejected' ? 'badge-error' : card.status === 'awaiting_approval' ? 'badge-warn' : 'badge-ok'}`}
        >
          {card.status.replace('_', ' ')}
        </span>
      </header>
      <p className="small muted" data-testid="card-origin">
        {card.runId ? (
          <>
            Run <span className="mono">{card.runId}</span>
          </>
        ) : (
          noRunLabel(card.kind)
        )}{' '}
        · {card.stepId ? `step ${card.stepId}` : card.kind} · {dateTime(card.createdAt)}
      </p>
      {team && (
        <p className="small" data-testid="card-device">
          From <Who device={team.device} tagSelf /> · user <Who profile={team.user || null} />
          {!team.local && <span className="muted"> · received {dateTime(team.receivedAt)}</span>}
        </p>
      )}
    </>
  );
}

function Reasons({ title, label, reasons }: { title: string; label: string; reasons: string[] }) {
  return (
    <section aria-label={label}>
      <strong className="small">{title}</strong>
      <ul className="small">
        {reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
    </section>
  );
}

function Invariants({ card }: { card: DecisionCard }) {
  const failed = card.invariants.filter((i) => !i.pass);
  return (
    <section aria-label="Invariants">
      <strong className="small">
        Invariants: {card.invariants.length - failed.length} passed, {failed.length} failed
      </strong>
      <ul className="small invariants" data-testid="card-invariants">
        {card.invariants.map((i) => (
          <li key={i.id} className={i.pass ? 'ok' : 'error'} data-invariant={i.id} data-pass={i.pass}>
            <span className="mono">{i.id}</span> {i.pass ? '✓' : '✗'} {!i.pass && (i.message ?? i.error)}
            {!i.pass && Object.keys(i.values).length > 0 && (
              <span className="muted mono">
                {' '}
                {Object.entries(i.values)
                  .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                  .join(' ')}
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Options({ card }: { card: DecisionCard }) {
  return (
    <table className="history small" aria-label="Options">
      <thead>
        <tr>
          <th>Option</th>
          <th>Quality</th>
          <th>Cost</th>
          <th>Latency</th>
          <th>Uncertainty</th>
        </tr>
      </thead>
      <tbody>
        {card.options.map((o) => (
          <tr key={o.id} className={o.id === card.chosen ? 'chosen' : ''}>
            <td>
              {o.label}
              {o.id === card.chosen ? ' (chosen)' : ''}
            </td>
            <td>{o.predictedQuality.toFixed(2)}</td>
            <td>{cents(o.predictedCostCents)}</td>
            <td>{Math.round(o.latencyMs)} ms</td>
            <td>{o.uncertainty.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ApprovalLine({ card }: { card: DecisionCard }) {
  const via = viaText(card.approval);
  return (
    <section aria-label="Approval" className="small" data-testid="card-approval">
      <strong>Approval:</strong> {card.approval.state.replace('_', ' ')}
      {card.approval.by && (
        <>
          {' '}
          by <Who profile={card.approval.by} /> at {dateTime(card.approval.at)}: “{card.approval.comment}”
        </>
      )}
      {via && (
        <span data-testid="card-approval-via">
          , <Named text={via} />
        </span>
      )}
    </section>
  );
}

/** The decision chip and Approve / Reject: both through runs.decide (another device's card with scope 'tenant'). */
function CardActions({ card, team }: { card: DecisionCard; team?: TeamCardView }) {
  const roles = useApp((s) => s.roles);
  const remote = team !== undefined && !team.local;
  return (
    <>
      {team?.decision && (
        <div className="row-actions">
          <DecisionChip decision={team.decision} />
        </div>
      )}
      {team && !team.local && <TeamDecisionControls s={subjectOfCard(team)} />}
      {!remote && card.status === 'awaiting_approval' && card.runId && (
        <DecisionButtons
          keys
          target={{ scope: 'device', runId: card.runId, cardId: card.id, subject: card.subject }}
          notAllowed={canReview(roles) ? null : `Waiting for a reviewer. This device is enrolled as ${roles.join(', ') || 'field (not enrolled)'}.`}
        />
      )}
    </>
  );
}
