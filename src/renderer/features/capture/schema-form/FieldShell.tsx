import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorsAt, type FieldError } from './field-errors';
import { useFormContext } from './form-context';

export function RequiredMark({ required }: { required: boolean }) {
  const { t } = useTranslation('capture');
  return required ? (
    <span className="req" aria-hidden="true" title={t('field.required')}>
      *
    </span>
  ) : null;
}

export function FieldMessages({ id, errors }: { id: string; errors: FieldError[] }) {
  if (errors.length === 0) return null;
  return (
    <ul id={id} className="field-errors">
      {errors.map((e, i) => (
        <li key={i} className="error">
          {e.message}
        </li>
      ))}
    </ul>
  );
}

/** A field's description and its help text (the contract's words, localize.ts), the element `${id}-hint`. */
export function FieldHint({ id, hint, help }: { id: string; hint?: string; help?: string }) {
  if (!hint && !help) return null;
  return (
    <div id={`${id}-hint`} className="hint">
      {hint}
      {help && <p className="field-help">{help}</p>}
    </div>
  );
}

/** Errors at a pointer plus the aria attributes that tie them (and a hint or help text) to the control. */
export function useFieldA11y(id: string, path: string, hint?: string, extra: FieldError[] = []) {
  const errors = [...errorsAt(useFormContext().errors, path), ...extra];
  const describedBy = [hint ? `${id}-hint` : '', errors.length ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return { errors, aria: { 'aria-invalid': errors.length > 0 || undefined, 'aria-describedby': describedBy } };
}

/** Label, control, hint and messages for one scalar field. */
export function FieldShell(p: {
  id: string;
  path: string;
  label: string;
  required: boolean;
  hint?: string;
  help?: string;
  errors: FieldError[];
  wide?: boolean;
  children: ReactNode;
}) {
  const cls = ['field', p.wide ? 'field-wide' : '', p.errors.length ? 'has-error' : ''].filter(Boolean).join(' ');
  return (
    <div className={cls} data-path={p.path}>
      {/* The marker sits outside the label so the label text (and accessible name) is exactly the title. */}
      <div className="field-head">
        <label htmlFor={p.id}>{p.label}</label>
        <RequiredMark required={p.required} />
      </div>
      {p.children}
      <FieldHint id={p.id} hint={p.hint} help={p.help} />
      <FieldMessages id={`${p.id}-err`} errors={p.errors} />
    </div>
  );
}
