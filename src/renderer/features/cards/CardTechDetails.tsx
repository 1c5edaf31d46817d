import { Trans, useTranslation } from 'react-i18next';
import type { DecisionCard } from '../../../shared/workflow/types';
import { dateTime } from '../../ui/format';
import { viaText } from '../team/team';
import { Named, Who } from '../../ui/Who';
import { isApprovalCheck, plainOf } from './card-words';
import { usePlainTexts } from './plain-texts-store';
import { nextStepText, reasonText } from './reason-words';
import { optionLabel, rationaleText } from './system-words';

const cents = (n: number) => `${(n / 100).toFixed(2)}`;
/** A check's mark in the list (a symbol, the same in every language). */
const MARK = { pass: '✓', fail: '✗' };

/**
 * Everything a card was decided from, for whoever needs to check it: the engine's rationale, policy and
 * lane reasons, each invariant with its id, message and values, the options, the raw approval and the
 * evidence. Closed by default: the card's lead (./CardLead.tsx) says the same in words.
 */
export function CardTechDetails({ card }: { card: DecisionCard }) {
  const { t } = useTranslation('cards');
  const texts = usePlainTexts();
  return (
    <details className="card-tech" data-testid="card-details">
      <summary>{t('tech.details')}</summary>
      <div className="stack">
        <p className="small" data-testid="card-rationale">
          {rationaleText(card)}
        </p>
        {card.nextSafeStep && (
          <p className="small next-step" data-testid="next-safe-step">
            <strong>{t('tech.nextSafeStep')}</strong> {nextStepText(card.nextSafeStep, texts)}
          </p>
        )}
        <Reasons
          title={
            card.policy.policyVersion
              ? t('tech.policy', { version: card.policy.policyVersion, decision: card.policy.decision })
              : t('tech.policyNone', { decision: card.policy.decision })
          }
          label={t('tech.policyLabel')}
          reasons={card.policy.reasons.map(reasonText)}
        />
        <Reasons title={t('tech.lane', { lane: card.lane })} label={t('tech.laneLabel')} reasons={card.laneReasons.map(reasonText)} />
        <Invariants card={card} />
        {card.options.length > 0 && <Options card={card} />}
        <ApprovalLine card={card} />
        <p className="small muted">
          <Trans
            t={t}
            i18nKey="tech.evidence"
            values={{ model: card.evidence.modelId ?? t('tech.none'), memory: card.evidence.memoryIds.length, bundles: card.evidence.bundleDigests.length }}
            components={{ audit: <span className="mono">{card.auditHash.slice(0, 12)}…</span> }}
          />
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
  const { t } = useTranslation('cards');
  const texts = usePlainTexts();
  const failed = card.invariants.filter((i) => !i.pass);
  const decided = card.status === 'approved' || card.status === 'rejected';
  return (
    <section aria-label={t('tech.invariantsLabel')}>
      <strong className="small">
        {t(decided && failed.every(isApprovalCheck) ? 'tech.invariantsHeld' : 'tech.invariantsFailed', {
          passed: card.invariants.length - failed.length,
          failed: failed.length,
        })}
      </strong>
      <ul className="small invariants" data-testid="card-invariants">
        {card.invariants.map((i) => (
          <li key={i.id} className={i.pass ? 'ok' : 'error'} data-invariant={i.id} data-pass={i.pass} title={plainOf(i.id, texts).what}>
            <span className="mono">{i.id}</span> {i.pass ? MARK.pass : MARK.fail} {!i.pass && (i.message ?? i.error)}
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
  const { t } = useTranslation('cards');
  return (
    <table className="history small" aria-label={t('tech.optionsLabel')}>
      <thead>
        <tr>
          <th>{t('tech.option')}</th>
          <th>{t('tech.quality')}</th>
          <th>{t('tech.cost')}</th>
          <th>{t('tech.latency')}</th>
          <th>{t('tech.uncertainty')}</th>
        </tr>
      </thead>
      <tbody>
        {card.options.map((o) => (
          <tr key={o.id} className={o.id === card.chosen ? 'chosen' : ''}>
            <td>{o.id === card.chosen ? t('tech.chosen', { option: optionLabel(o) }) : optionLabel(o)}</td>
            <td>{o.predictedQuality.toFixed(2)}</td>
            <td>{cents(o.predictedCostCents)}</td>
            <td>{t('tech.ms', { ms: Math.round(o.latencyMs) })}</td>
            <td>{o.uncertainty.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ApprovalLine({ card }: { card: DecisionCard }) {
  const { t } = useTranslation('cards');
  const via = viaText(card.approval);
  return (
    <section aria-label={t('tech.approvalLabel')} className="small" data-testid="card-approval">
      {/* A waiting card is recorded before anyone decided: its approval is "none yet", not "not required". */}
      <strong>{t('tech.approval')}</strong>{' '}
      {t(card.status === 'awaiting_approval' && card.approval.state === 'not_required' ? 'tech.noneYet' : `approvalState.${card.approval.state}`)}
      {card.approval.by && (
        <>
          {' '}
          <Trans
            t={t}
            i18nKey="tech.approvedByAt"
            values={{ when: dateTime(card.approval.at), comment: card.approval.comment ?? '' }}
            components={{ who: <Who profile={card.approval.by} /> }}
          />
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
