import type { ReactNode } from 'react';
import { isPlainObject } from './json-schema';
import { visibleFields } from './form-logic';
import { childPointer, fieldId } from './json-pointer';
import { errorsAt } from './field-errors';
import { FieldMessages, RequiredMark } from './FieldShell';
import { useFormContext, type FieldProps } from './form-context';
import { geoRoles } from './geo';
import { GeoControl } from './GeoControl';

/**
 * A nested object: a fieldset whose legend is the title. Without `keepEmpty` an object whose fields
 * are all cleared is omitted (so an optional group nobody touched adds no required errors).
 * Conditional fields (`if`/`then`/`else`, `dependentSchemas`) appear and disappear with the answers.
 * A geo object (geo.ts: lat/lon properties or `"x-maestro-widget": "geo"`) gets "Use my location".
 */
export function ObjectField({
  schema,
  value,
  onChange,
  path,
  label,
  required,
  keepEmpty,
  asRoot,
  actions,
}: FieldProps & { keepEmpty?: boolean; asRoot?: boolean; actions?: ReactNode }) {
  const { errors, Field } = useFormContext();
  const obj = isPlainObject(value) ? value : {};
  const set = (k: string, v: unknown) => {
    const next = { ...obj };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange(Object.keys(next).length === 0 && !keepEmpty ? undefined : next);
  };
  // Only the fields the form's logic shows now (form-logic.ts): a hidden field is not rendered, and
  // SchemaForm drops its value, so it is never submitted.
  const body = visibleFields(schema, obj).map((f) => (
    <Field
      key={f.key}
      schema={f.schema}
      value={obj[f.key]}
      onChange={(v) => set(f.key, v)}
      path={childPointer(path, f.key)}
      label={f.schema.title ?? f.key}
      required={f.required}
    />
  ));
  if (asRoot) return <div className="group-body">{body}</div>;
  const roles = geoRoles(schema);
  const geo = roles && <GeoControl schema={schema} roles={roles} value={value} onChange={onChange} path={path} label={label} />;
  const id = fieldId(path);
  const own = errorsAt(errors, path);
  return (
    <fieldset id={id} className={own.length ? 'group has-error' : 'group'} data-path={path} aria-describedby={own.length ? `${id}-err` : undefined}>
      <legend>
        {label}
        <RequiredMark required={required} />
      </legend>
      {actions && <div className="group-actions">{actions}</div>}
      {schema.description && <p className="hint">{schema.description}</p>}
      {schema.help && <p className="hint field-help">{schema.help}</p>}
      {geo}
      <FieldMessages id={`${id}-err`} errors={own} />
      <div className="group-body">{body}</div>
    </fieldset>
  );
}
