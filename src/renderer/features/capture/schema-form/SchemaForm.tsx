import { useMemo } from 'react';
import type { JsonSchema } from './json-schema';
import { withLogic } from './form-logic';
import { FormContext, type SchemaFormContext } from './form-context';
import { ObjectField } from './ObjectField';
import { SchemaField } from './SchemaField';

/**
 * A form generated from a contract's JSON Schema (an object at the root). Controlled: `value` in,
 * every edit out through `onChange` as a new object without empty fields. The form's logic applies to
 * every edit (form-logic.ts withLogic): fields the logic hides lose their value (they are not
 * rendered and never submitted), and fields that appear get their `default`.
 */
export function SchemaForm(p: { schema: JsonSchema; value: Record<string, unknown>; onChange(v: Record<string, unknown>): void } & SchemaFormContext) {
  const { errors, touch, uploadPhoto, thumbnail } = p;
  const ctx = useMemo(() => ({ errors, touch, uploadPhoto, thumbnail, Field: SchemaField }), [errors, touch, uploadPhoto, thumbnail]);
  return (
    <FormContext.Provider value={ctx}>
      <ObjectField
        schema={p.schema}
        value={p.value}
        onChange={(v) => p.onChange(withLogic(p.schema, (v as Record<string, unknown> | undefined) ?? {}, p.value))}
        path=""
        label=""
        required={false}
        asRoot
        keepEmpty
      />
    </FormContext.Provider>
  );
}
