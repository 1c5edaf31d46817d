import { Trans, useTranslation } from 'react-i18next';
import { refusalSentence, type BundleFailure } from './bundles';

/** A refused install, verification or activation: the refusal code and its sentence, then the message. */
export function FailureAlert({ title, failure, testId }: { title: string; failure: BundleFailure; testId?: string }) {
  const { t } = useTranslation('sealed');
  return (
    <div className="refusal small" role="alert" data-testid={testId} data-code={failure.refusal ?? failure.code}>
      <strong>{title}</strong>{' '}
      {failure.refusal ? (
        <>
          <span className="mono refusal-code">{failure.refusal}</span> — {refusalSentence(failure.refusal)}
        </>
      ) : (
        <span className="mono refusal-code">{failure.code}</span>
      )}
      <p className="refusal-message">{failure.message}</p>
      {failure.changes.length > 0 && (
        <ul className="refusal-changes" data-testid="refusal-changes" aria-label={t('failure.changes')}>
          {failure.changes.map((c) => (
            <li key={c} className="refusal-message">
              {c}
            </li>
          ))}
        </ul>
      )}
      {failure.path && (
        <p className="refusal-message">
          <Trans t={t} i18nKey="failure.file" values={{ path: failure.path }} components={{ mono: <span className="mono" /> }} />
        </p>
      )}
    </div>
  );
}
