import { fieldKind } from './json-schema';
import { fieldId } from './json-pointer';
import { FieldShell, useFieldA11y } from './FieldShell';
import { useFormContext, type FieldProps } from './form-context';

/** string: text input; `format: date` → date input; long `maxLength` → textarea. Empty → omitted. */
export function TextField({ schema, value, onChange, path, label, required }: FieldProps) {
  const { touch } = useFormContext();
  const id = fieldId(path);
  const kind = fieldKind(schema);
  const { errors, aria } = useFieldA11y(id, path, schema.description ?? schema.help);
  const common = {
    id,
    name: path,
    value: typeof value === 'string' ? value : '',
    'aria-required': required || undefined,
    ...aria,
    onBlur: () => touch(path),
  };
  const set = (s: string) => onChange(s === '' ? undefined : s);
  return (
    <FieldShell id={id} path={path} label={label} required={required} hint={schema.description} help={schema.help} errors={errors} wide={kind === 'textarea'}>
      {kind === 'textarea' ? (
        <textarea {...common} rows={4} maxLength={schema.maxLength} onChange={(e) => set(e.target.value)} />
      ) : (
        <input {...common} type={kind === 'date' ? 'date' : 'text'} maxLength={schema.maxLength} autoComplete="off" onChange={(e) => set(e.target.value)} />
      )}
    </FieldShell>
  );
}
