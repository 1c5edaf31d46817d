import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  /** What happened, in words a field worker understands. */
  what: string;
  /** What to do next, in words; omitted when nothing is left to do. */
  next?: string | null;
  /** The code and raw message, kept for whoever needs them, under a closed "Details". */
  details?: ReactNode;
  tone?: 'error' | 'warn' | 'info';
  testId?: string;
}

/** A refusal, failure or wait in plain words first, with the code and raw message under Details. */
export function PlainNotice({ what, next, details, tone = 'error', testId }: Props) {
  const { t } = useTranslation('ui');
  return (
    <div className={`card-lead plain-problem tone-${tone === 'info' ? 'ok' : tone}`} data-testid={testId} data-tone={tone}>
      <p className="card-lead-what" data-testid="plain-what">
        {what}
      </p>
      {next && (
        <p className="small" data-testid="plain-next">
          <strong>{t('plain.next')}</strong> {next}
        </p>
      )}
      {details && (
        <details className="plain-details">
          <summary>{t('plain.details')}</summary>
          <div className="small">{details}</div>
        </details>
      )}
    </div>
  );
}
