import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { primaryType } from './json-schema';
import { fieldId } from './json-pointer';
import { FieldShell, useFieldA11y } from './FieldShell';
import { useFormContext, type FieldProps } from './form-context';

const show = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');

/** number / integer: stores a number (never the text); empty → omitted. */
export function NumberField({ schema, value, onChange, path, label, required }: FieldProps) {
  const { t } = useTranslation('capture');
  const { touch } = useFormContext();
  const id = fieldId(path);
  const integer = primaryType(schema) === 'integer';
  // The text is kept locally so half-typed input ("-", "1.") is not lost; it is re-read from the
  // value only when the value changes from outside (a resumed draft, a reset).
  const [text, setText] = useState(show(value));
  const [seen, setSeen] = useState<unknown>(value);
  const [bad, setBad] = useState(false);
  if (seen !== value) {
    setSeen(value);
    setText(show(value));
    setBad(false);
  }
  function edit(raw: string, badInput: boolean) {
    setText(raw);
    setBad(badInput);
    if (badInput) return;
    const next = raw.trim() === '' ? undefined : Number(raw);
    if (next !== undefined && !Number.isFinite(next)) return;
    setSeen(next);
    onChange(next);
  }
  const { errors, aria } = useFieldA11y(
    id,
    path,
    schema.description ?? schema.help,
    bad ? [{ path, keyword: 'type', message: t('check.number'), source: 'client' }] : [],
  );
  return (
    <FieldShell id={id} path={path} label={label} required={required} hint={schema.description} help={schema.help} errors={errors}>
      <input
        id={id}
        name={path}
        type="number"
        inputMode={integer ? 'numeric' : 'decimal'}
        step={integer ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        value={text}
        aria-required={required || undefined}
        {...aria}
        onChange={(e) => edit(e.target.value, e.target.validity.badInput)}
        onBlur={() => touch(path)}
      />
    </FieldShell>
  );
}
