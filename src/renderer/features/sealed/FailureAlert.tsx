import { Trans, useTranslation } from 'react-i18next';
import { useMessageText } from '../../ui/message';
import { changeText, refusalFacts, type BundleFailure } from './bundles';

/**
 * A refused install, verification or activation: the refusal code and its sentence with what its
 * params add (role, versions, expiry …), the changes that break a contract, the file. Another error:
 * its code and message.
 */
export function FailureAlert({ title, failure, testId }: { title: string; failure: BundleFailure; testId?: string }) {
  const { t } = useTranslation('sealed');
  const text = useMessageText();
  return (
    <div className="refusal small" role="alert" data-testid={testId} data-code={failure.refusal ?? failure.code}>
      <strong>{title}</strong>{' '}
      {failure.refusal && failure.reason ? (
        <>
          <span className="mono refusal-code">{failure.refusal}</span> — {text(failure.reason)}
        </>
      ) : (
        <>
          <span className="mono refusal-code">{failure.code}</span>
          <p className="refusal-message">{failure.message}</p>
        </>
      )}
      {refusalFacts(failure.reason).map((f) => (
        <p key={f} className="refusal-message">
          {f}
        </p>
      ))}
      {failure.changes.length > 0 && (
        <ul className="refusal-changes" data-testid="refusal-changes" aria-label={t('failure.changes')}>
          {failure.changes.map(changeText).map((c) => (
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
