import { CardRecord } from '../cards/CardRecord';
import type { DecisionTarget } from './decision-words';

/**
 * What is under review, inside the one decision dialog (both scopes): the card's subject, then the
 * record the run concerns, the values that made it RED, the AI output beside its sources and what
 * approving or rejecting does (CardRecord, from runs.context).
 */
export function DecisionContent({ d }: { d: DecisionTarget }) {
  return (
    <>
      {d.subject && (
        <p className="small" data-testid="decision-subject">
          <strong>{d.subject}</strong>
        </p>
      )}
      <CardRecord runId={d.runId} device={d.scope === 'tenant' ? d.device : undefined} />
    </>
  );
}
