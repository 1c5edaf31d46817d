import type { BundleFailure } from './bundles';

/** A refused install, verification or activation: the refusal code and its sentence, then the message. */
export function FailureAlert({ title, failure, testId }: { title: string; failure: BundleFailure; testId?: string }) {
  return (
    <div className="refusal small" role="alert" data-testid={testId} data-code={failure.refusal ?? failure.code}>
      <strong>{title}</strong>{' '}
      {failure.refusal ? (
        <>
          <span className="mono refusal-code">{failure.refusal}</span> — {failure.sentence}
        </>
      ) : (
        <span className="mono refusal-code">{failure.code}</span>
      )}
      <p className="refusal-message">{failure.message}</p>
      {failure.changes.length > 0 && (
        <ul className="refusal-changes" data-testid="refusal-changes" aria-label="What breaks the previous version">
          {failure.changes.map((c) => (
            <li key={c} className="refusal-message">
              {c}
            </li>
          ))}
        </ul>
      )}
      {failure.path && (
        <p className="refusal-message">
          File: <span className="mono">{failure.path}</span>
        </p>
      )}
    </div>
  );
}
