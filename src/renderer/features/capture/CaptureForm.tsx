import { useCallback, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { schemaOf, useCapture, visibleErrors } from './capture-store';
import { SchemaForm } from './schema-form/SchemaForm';
import { clientErrors } from './schema-form/field-errors';
import { contractWords, localizeSchema } from './schema-form/localize';
import { ErrorSummary } from './ErrorSummary';
import { DraftStatus } from './DraftStatus';

/** The generated form for the chosen contract, with its error summary, draft status and Submit. */
export function CaptureForm() {
  const { t, i18n } = useTranslation('capture');
  const s = useCapture();
  const contract = s.contracts.find((c) => c.contract === s.contractRef);
  // The contract's words in the user's language (localize.ts); values and logic are the contract's own.
  const lang = i18n.language;
  const schema = useMemo(() => localizeSchema(schemaOf(contract), lang), [contract, lang]);
  const client = useMemo(() => clientErrors(schema, s.data), [schema, s.data]);
  const errors = useMemo(() => visibleErrors(s, client), [s, client]);
  const [focusKey, setFocusKey] = useState(0);
  const { touch: markTouched, flushDraft } = s;
  // Leaving a field saves the draft at once (no 800 ms wait), besides showing that field's checks.
  const touch = useCallback(
    (path: string) => {
      markTouched(path);
      void flushDraft();
    },
    [markTouched, flushDraft],
  );
  const thumbs = s.thumbs;
  const loadThumb = s.loadThumb;
  const thumbnail = useCallback(
    (ref: string) => {
      if (!thumbs[ref]) loadThumb(ref);
      return thumbs[ref];
    },
    [thumbs, loadThumb],
  );
  if (!contract) return null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    await s.submit();
    // Refused (client or server checks): bring the error summary into view and focus it.
    const after = useCapture.getState();
    if (visibleErrors(after, clientErrors(schema, after.data)).length > 0) setFocusKey((k) => k + 1);
  }
  return (
    <form className="capture-form" aria-label={t('form.label', { title: contractWords(contract, lang).title })} onSubmit={(e) => void submit(e)} noValidate>
      <ErrorSummary errors={errors} schema={schema} focusKey={focusKey} />
      {s.submitError && (
        <p className="error" role="alert">
          {t('form.couldNotSave', { error: s.submitError })}
        </p>
      )}
      <fieldset className="plain" disabled={s.submitting}>
        <SchemaForm
          key={s.formKey}
          schema={schema}
          value={s.data}
          onChange={s.edit}
          errors={errors}
          touch={touch}
          uploadPhoto={s.uploadPhoto}
          thumbnail={thumbnail}
        />
      </fieldset>
      <div className="form-actions">
        <button type="submit" disabled={s.submitting}>
          {t(s.submitting ? 'form.saving' : 'form.submit')}
        </button>
        <button type="button" className="secondary" onClick={() => void s.newForm()} disabled={s.submitting}>
          {t('form.newForm')}
        </button>
        <DraftStatus />
      </div>
    </form>
  );
}
