import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { FieldError } from './schema-form/field-errors';
import { labelAt, type JsonSchema } from './schema-form/json-schema';
import { fieldId } from './schema-form/json-pointer';

function focusField(path: string) {
  const el = document.getElementById(fieldId(path));
  const target = el instanceof HTMLFieldSetElement ? el.querySelector<HTMLElement>('input, select, textarea, button') : el;
  target?.focus();
  el?.scrollIntoView({ block: 'center' });
}

/**
 * Every problem at the top of the form; each entry jumps to its field. Each time `focusKey` grows (a
 * refused Submit) the summary scrolls into view and takes focus. We focus the summary (tabIndex=-1),
 * not the first invalid input: it names every problem at once, and a screen reader reads it whole.
 */
export function ErrorSummary({ errors, schema, focusKey = 0 }: { errors: FieldError[]; schema: JsonSchema; focusKey?: number }) {
  const { t } = useTranslation('capture');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focusKey === 0 || !box.current) return;
    box.current.scrollIntoView({ block: 'start' });
    box.current.focus({ preventScroll: true });
  }, [focusKey]);
  if (errors.length === 0) return null;
  return (
    <div className="error-summary" role="alert" data-testid="error-summary" tabIndex={-1} ref={box}>
      <strong>{t('errors.heading', { n: errors.length })}</strong>
      <ul>
        {errors.map((e, i) => (
          <li key={i}>
            {e.path === '' ? (
              e.message
            ) : (
              <button type="button" className="link" onClick={() => focusField(e.path)}>
                {t('errors.item', { label: labelAt(schema, e.path), message: e.message })}
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
