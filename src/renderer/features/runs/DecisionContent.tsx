import type { DecisionTarget } from './decision-words';

/**
 * What is under review, inside the one decision dialog (both scopes): the place for the record or
 * report the card concerns and the AI output beside its sources (issue 17, item 1). Until that lands
 * it shows the card's subject; everything the reviewer should read before deciding goes here.
 */
export function DecisionContent({ d }: { d: DecisionTarget }) {
  if (!d.subject) return null;
  return (
    <p className="small" data-testid="decision-subject">
      <strong>{d.subject}</strong>
    </p>
  );
}
