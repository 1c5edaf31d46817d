import { useTranslation } from 'react-i18next';
import { fieldId } from './json-pointer';
import { FieldShell, useFieldA11y } from './FieldShell';
import { useFormContext, type FieldProps } from './form-context';

/** enum → select; the empty choice omits the field. Values keep their JSON type. */
export function EnumField({ schema, value, onChange, path, label, required }: FieldProps) {
  const { t } = useTranslation('capture');
  const { touch } = useFormContext();
  const id = fieldId(path);
  const options = schema.enum ?? [];
  const { errors, aria } = useFieldA11y(id, path, schema.description ?? schema.help);
  const idx = options.findIndex((o) => o === value);
  return (
    <FieldShell id={id} path={path} label={label} required={required} hint={schema.description} help={schema.help} errors={errors}>
      <select
        id={id}
        name={path}
        value={idx < 0 ? '' : String(idx)}
        aria-required={required || undefined}
        {...aria}
        onChange={(e) => onChange(e.target.value === '' ? undefined : options[Number(e.target.value)])}
        onBlur={() => touch(path)}
      >
        <option value="">{t('field.choose')}</option>
        {options.map((o, i) => (
          <option key={i} value={String(i)}>
            {schema.enumLabels?.[i] ?? String(o)}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}
