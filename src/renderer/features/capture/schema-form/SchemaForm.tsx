import { useMemo } from 'react';
import type { JsonSchema } from './json-schema';
import { FormContext, type SchemaFormContext } from './form-context';
import { ObjectField } from './ObjectField';
import { SchemaField } from './SchemaField';

/**
 * A form generated from a contract's JSON Schema (an object at the root). Controlled: `value` in,
 * every edit out through `onChange` as a new object without empty fields.
 */
export function SchemaForm(p: { schema: JsonSchema; value: Record<string, unknown>; onChange(v: Record<string, unknown>): void } & SchemaFormContext) {
  const { errors, touch, uploadPhoto, thumbnail } = p;
  const ctx = useMemo(() => ({ errors, touch, uploadPhoto, thumbnail, Field: SchemaField }), [errors, touch, uploadPhoto, thumbnail]);
  return (
    <FormContext.Provider value={ctx}>
      <ObjectField
        schema={p.schema}
        value={p.value}
        onChange={(v) => p.onChange((v as Record<string, unknown> | undefined) ?? {})}
        path=""
        label=""
        required={false}
        asRoot
        keepEmpty
      />
    </FormContext.Provider>
  );
}
