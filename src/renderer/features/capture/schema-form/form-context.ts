import { createContext, useContext, type ComponentType } from 'react';
import type { FieldError } from './field-errors';
import type { JsonSchema } from './json-schema';
import type { UploadOptions } from '../ingest';

/** What every generated field needs besides its own value: visible errors, touch, photos. */
export interface SchemaFormContext {
  /** The errors to show now (the caller decides which client errors are visible). */
  errors: FieldError[];
  /** A field lost focus: its client-side checks may be shown from now on. */
  touch(path: string): void;
  /** Store a file as an attachment (in chunks, with progress; cancel by the signal); resolves to its `sha256:` reference. */
  uploadPhoto(file: File, opts?: UploadOptions): Promise<string>;
  /** A data: URL preview for a reference uploaded in this session, if known. */
  thumbnail(ref: string): string | undefined;
}

/** The context fields read: the form's, and the field component objects and arrays recurse through (no import cycle). */
export interface FormContextValue extends SchemaFormContext {
  Field: ComponentType<FieldProps>;
}

export const FormContext = createContext<FormContextValue>({
  errors: [],
  touch: () => {},
  uploadPhoto: () => Promise.reject(new Error('no upload handler')),
  thumbnail: () => undefined,
  Field: () => null,
});

export const useFormContext = (): FormContextValue => useContext(FormContext);

export interface FieldProps {
  schema: JsonSchema;
  value: unknown;
  onChange(v: unknown): void;
  path: string;
  label: string;
  required: boolean;
}
