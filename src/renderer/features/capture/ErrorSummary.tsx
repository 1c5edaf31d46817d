import type { FieldError } from './schema-form/field-errors';
import { labelAt, type JsonSchema } from './schema-form/json-schema';
import { fieldId } from './schema-form/json-pointer';

function focusField(path: string) {
  const el = document.getElementById(fieldId(path));
  const target = el instanceof HTMLFieldSetElement ? el.querySelector<HTMLElement>('input, select, textarea, button') : el;
  target?.focus();
  el?.scrollIntoView({ block: 'center' });
}

/** Every problem at the top of the form; each entry jumps to its field. */
export function ErrorSummary({ errors, schema }: { errors: FieldError[]; schema: JsonSchema }) {
  if (errors.length === 0) return null;
  return (
    <div className="error-summary" role="alert" data-testid="error-summary">
      <strong>{errors.length === 1 ? '1 problem' : `${errors.length} problems`} to fix before this can be saved to the outbox:</strong>
      <ul>
        {errors.map((e, i) => (
          <li key={i}>
            {e.path === '' ? (
              e.message
            ) : (
              <button type="button" className="link" onClick={() => focusField(e.path)}>
                {labelAt(schema, e.path)}: {e.message}
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
