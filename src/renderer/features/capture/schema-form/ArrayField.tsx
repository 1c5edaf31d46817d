import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldKind, initialValue, itemLabel as itemLabelOf, primaryType, type JsonSchema } from './json-schema';
import { childPointer, fieldId } from './json-pointer';
import { errorsAt } from './field-errors';
import { FieldMessages, RequiredMark } from './FieldShell';
import { useFormContext, type FieldProps } from './form-context';
import { ObjectField } from './ObjectField';

let nextKey = 0;
const newKey = () => `k${nextKey++}`;

/** A new item: defaults where the schema has them, an empty object, or null (shown as empty, "Required"). */
function blankItem(items: JsonSchema): unknown {
  const v = initialValue(items, true);
  if (v !== undefined) return v;
  return primaryType(items) === 'object' ? {} : null;
}

/** An array: one sub-form per item with Add / Remove. Emptying the list omits the field. */
export function ArrayField({ schema, value, onChange, path, label, required }: FieldProps) {
  const { t } = useTranslation('capture');
  const { errors, Field } = useFormContext();
  const items = schema.items ?? {};
  const list = Array.isArray(value) ? value : [];
  // Stable keys, so removing item 1 does not hand item 2's half-typed text to item 1's inputs.
  const [keys, setKeys] = useState<string[]>(() => list.map(newKey));
  if (keys.length !== list.length) setKeys(list.map((_, i) => keys[i] ?? newKey()));
  const id = fieldId(path);
  const own = errorsAt(errors, path);
  const full = schema.maxItems !== undefined && list.length >= schema.maxItems;

  const setItem = (i: number, v: unknown) => onChange(list.map((x, j) => (j === i ? (v === undefined ? null : v) : x)));
  const add = () => {
    setKeys([...keys, newKey()]);
    onChange([...list, blankItem(items)]);
  };
  const remove = (i: number) => {
    setKeys(keys.filter((_, j) => j !== i));
    const next = list.filter((_, j) => j !== i);
    onChange(next.length ? next : undefined);
  };

  return (
    <fieldset id={id} className={own.length ? 'group array has-error' : 'group array'} data-path={path} aria-describedby={own.length ? `${id}-err` : undefined}>
      <legend>
        {label}
        <RequiredMark required={required} />
      </legend>
      {schema.description && <p className="hint">{schema.description}</p>}
      {schema.help && <p className="hint field-help">{schema.help}</p>}
      <FieldMessages id={`${id}-err`} errors={own} />
      {list.length === 0 && <p className="muted small">{t('array.none')}</p>}
      <div className="array-items">
        {list.map((v, i) => {
          const itemPath = childPointer(path, i);
          const itemLabel = itemLabelOf(fieldKind(items) === 'object' ? label : (items.title ?? label), i + 1);
          const removeBtn = (
            <button type="button" className="secondary small-btn" aria-label={t('array.removeLabel', { item: itemLabel })} onClick={() => remove(i)}>
              {t('array.remove')}
            </button>
          );
          return fieldKind(items) === 'object' ? (
            <ObjectField
              key={keys[i]}
              schema={items}
              value={v}
              onChange={(x) => setItem(i, x)}
              path={itemPath}
              label={itemLabel}
              required={false}
              keepEmpty
              actions={removeBtn}
            />
          ) : (
            <div key={keys[i]} className="array-item">
              <Field schema={items} value={v === null ? undefined : v} onChange={(x) => setItem(i, x)} path={itemPath} label={itemLabel} required />
              {removeBtn}
            </div>
          );
        })}
      </div>
      <button type="button" className="secondary" onClick={add} disabled={full}>
        {t('array.add', { label })}
      </button>
      {full && <span className="muted small"> {t('array.atMost', { n: schema.maxItems })}</span>}
    </fieldset>
  );
}
