import type { DecisionCard } from '../../../shared/workflow/types';
import { dateTime } from '../../ui/format';
import { viaText } from '../team/team';
import { Named, Who } from '../../ui/Who';
import { isApprovalCheck, plainOf } from './card-words';
import { usePlainTexts } from './plain-texts-store';

const cents = (n: number) => `${(n / 100).toFixed(2)}`;

/**
 * Everything a card was decided from, for whoever needs to check it: the engine's rationale, policy and
 * lane reasons, each invariant with its id, message and values, the options, the raw approval and the
 * evidence. Closed by default: the card's lead (./CardLead.tsx) says the same in words.
 */
export function CardTechDetails({ card }: { card: DecisionCard }) {
  return (
    <details className="card-tech" data-testid="card-details">
      <summary>Details</summary>
      <div className="stack">
        <p className="small" data-testid="card-rationale">
          {card.rationale}
        </p>
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
      </div>
    </details>
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
  const texts = usePlainTexts();
  const failed = card.invariants.filter((i) => !i.pass);
  const decided = card.status === 'approved' || card.status === 'rejected';
  return (
    <section aria-label="Invariants">
      <strong className="small">
        Invariants: {card.invariants.length - failed.length} passed, {failed.length}{' '}
        {decided && failed.every(isApprovalCheck) ? 'waited for approval' : 'failed'}
      </strong>
      <ul className="small invariants" data-testid="card-invariants">
        {card.invariants.map((i) => (
          <li key={i.id} className={i.pass ? 'ok' : 'error'} data-invariant={i.id} data-pass={i.pass} title={plainOf(i.id, texts).what}>
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
      {/* A waiting card is recorded before anyone decided: its approval is "none yet", not "not required". */}
      <strong>Approval:</strong>{' '}
      {card.status === 'awaiting_approval' && card.approval.state === 'not_required' ? 'none yet' : card.approval.state.replace('_', ' ')}
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
