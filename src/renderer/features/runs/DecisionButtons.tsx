import { useTranslation } from 'react-i18next';
import type { DecisionTarget } from './decision-words';
import { useDecision } from './decision-store';

type Target = DecisionTarget extends infer T ? (T extends DecisionTarget ? Omit<T, 'decision'> : never) : never;

/**
 * Approve / Reject for one waiting step, the same for this device's runs and another device's cards;
 * both open the one DecisionDialog. When this person may not decide, `notAllowed` says why, in place
 * of the buttons (never a silent, disabled button).
 */
export function DecisionButtons({ target, notAllowed, keys, note }: { target: Target; notAllowed?: string | null; keys?: boolean; note?: string | null }) {
  const { t } = useTranslation('runs');
  const ask = useDecision((s) => s.ask);
  if (notAllowed)
    return (
      <p className="small muted" data-testid="decision-not-allowed">
        {notAllowed}
      </p>
    );
  return (
    <div className="row-actions" data-testid="decision-actions">
      <button type="button" onClick={() => ask({ ...target, decision: 'approve' } as DecisionTarget)}>
        {keys ? t('decision.approveKey') : t('decision.approve')}
      </button>
      <button type="button" className="danger" onClick={() => ask({ ...target, decision: 'reject' } as DecisionTarget)}>
        {keys ? t('decision.rejectKey') : t('decision.reject')}
      </button>
      {note && <span className="small muted">{note}</span>}
    </div>
  );
}
