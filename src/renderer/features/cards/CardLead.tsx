import { useTranslation } from 'react-i18next';
import type { DecisionCard } from '../../../shared/workflow/types';
import { useApp } from '../../app-store';
import { approvalWords, cardLead } from './card-words';
import { usePlainTexts } from './plain-texts-store';

/** A person's id in words: this profile by its name; others by id until names travel with them. */
export function useNameOf(): (id: string) => string {
  const profile = useApp((s) => s.profile);
  const { t } = useTranslation('cards');
  return (id: string) => (profile && id === profile.id ? t('lead.you', { name: profile.name }) : id);
}

/**
 * What leads a card, in words: what happened, why it needs this person, and what to do next. The
 * codes, expressions and raw values it is made from are under Details (./CardTechDetails.tsx).
 */
export function CardLead({ card, remote = false }: { card: DecisionCard; remote?: boolean }) {
  const { t } = useTranslation('cards');
  const texts = usePlainTexts();
  const roles = useApp((s) => s.roles);
  const nameOf = useNameOf();
  const lead = cardLead(card, { texts, roles, remote, nameOf });
  return (
    <section className={`card-lead tone-${lead.tone}`} aria-label={t('lead.label')} data-testid="card-lead" data-tone={lead.tone}>
      <p className="card-lead-what" data-testid="card-what">
        {lead.what}
      </p>
      {lead.why && (
        <p className="small" data-testid="card-why">
          <strong>{t('lead.whyYou')}</strong> {lead.why}
        </p>
      )}
      {lead.next && (
        <p className="small" data-testid="card-next">
          <strong>{t('lead.whatNext')}</strong> {lead.next}
        </p>
      )}
      <p className="small muted" data-testid="card-checks">
        {lead.checks} · {approvalWords(card, nameOf)}
      </p>
    </section>
  );
}
