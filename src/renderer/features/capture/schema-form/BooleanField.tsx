import { fieldId } from './json-pointer';
import { FieldHint, FieldMessages, RequiredMark, useFieldA11y } from './FieldShell';
import { useFormContext, type FieldProps } from './form-context';

export function BooleanField({ schema, value, onChange, path, label, required }: FieldProps) {
  const { touch } = useFormContext();
  const id = fieldId(path);
  const { errors, aria } = useFieldA11y(id, path, schema.description ?? schema.help);
  return (
    <div className={errors.length ? 'field field-check has-error' : 'field field-check'} data-path={path}>
      <div className="field-head">
        <input
          id={id}
          name={path}
          type="checkbox"
          checked={value === true}
          aria-required={required || undefined}
          {...aria}
          onChange={(e) => onChange(e.target.checked)}
          onBlur={() => touch(path)}
        />
        <label className="check" htmlFor={id}>
          {label}
        </label>
        <RequiredMark required={required} />
      </div>
      <FieldHint id={id} hint={schema.description} help={schema.help} />
      <FieldMessages id={`${id}-err`} errors={errors} />
    </div>
  );
}
