// Why a contract schema change is or is not breaking, in English: the `reason` of a SchemaChange, for
// logs, CLI output and error messages. People read the same as a message, `refusals.change.<key>`
// with these params, in their language (src/renderer/i18n/locales/<l>/refusals.json); the renderer's
// refusal-words.test.ts checks that the English there reads exactly as this.
import type { MessageParams } from '../messages';

type Words = (p: MessageParams) => string;
const s = (p: MessageParams, k: string): string => String(p[k] ?? '');

const REASONS = {
  schema_false: () => 'no value is accepted any more',
  not_schema: () => 'not a JSON Schema: cannot be proved compatible',
  content_removed: (p) => `${s(p, 'keyword')} removed`,
  content_changed: (p) => `${s(p, 'keyword')} added or changed: stored files may not match it`,
  unique_added: () => 'array items must now be unique',
  unique_removed: () => 'array items may now repeat',
  annotation: (p) => `${s(p, 'keyword')} changed (an annotation: validation is the same)`,
  unknown_keyword: (p) => `"${s(p, 'keyword')}" changed and the check has no rule that proves this compatible (fail-closed)`,
  type_invalid: () => 'type is not a name or a list of names: cannot be proved compatible',
  type_narrowed: (p) => `values of type ${s(p, 'types')} are no longer accepted`,
  type_widened: () => 'more types are accepted',
  enum_removed: () => 'any value is accepted instead of a list',
  enum_invalid: () => 'enum is not a list: cannot be proved compatible',
  enum_added: (p) => `only ${s(p, 'n')} listed value(s) are accepted now`,
  enum_was_invalid: () => 'enum was not a list: cannot be proved compatible',
  enum_narrowed: (p) => `value(s) ${s(p, 'values')} no longer accepted`,
  enum_widened: () => 'more values are accepted',
  const_added: (p) => `only ${s(p, 'value')} is accepted now`,
  const_changed: () => 'the one accepted value changed',
  const_removed: () => 'any value is accepted instead of one',
  bound_invalid: (p) => `${s(p, 'keywords')} is not a number: cannot be proved compatible`,
  bound_stricter: (p) => `the ${s(p, 'side')} bound (${s(p, 'keyword')}) is stricter`,
  bound_looser: (p) => `the ${s(p, 'side')} bound (${s(p, 'keyword')}) is looser or gone`,
  multiple_removed: () => 'multipleOf removed',
  multiple_kept: () => 'every old multiple is still one',
  multiple_changed: () => 'values that were multiples before may not be now',
  constraint_removed: (p) => `${s(p, 'keyword')} removed: any string is accepted`,
  constraint_added: (p) => `strings must now match ${s(p, 'keyword')} ${s(p, 'value')}`,
  constraint_changed: (p) => `${s(p, 'keyword')} changed: one ${s(p, 'keyword')} accepting all the other's strings cannot be proved`,
  properties_invalid: () => 'properties is not an object: cannot be proved compatible',
  renamed: (p) => `field "${s(p, 'from')}" is now called "${s(p, 'to')}": data under the old name is lost or refused`,
  property_removed: (p) => `field "${s(p, 'field')}" was removed: data that has it is refused or loses it`,
  required_invalid: () => 'required is not a list of names: cannot be proved compatible',
  required_added: (p) => `field "${s(p, 'field')}" is now required: data without it is refused`,
  required_removed: (p) => `field "${s(p, 'field')}" is now optional`,
  property_added: (p) => `new optional field "${s(p, 'field')}"`,
  property_constrains: (p) =>
    `new field "${s(p, 'field')}" constrains a name the open object accepted with any value before (close the object with additionalProperties: false to add fields freely)`,
  extra_closed: () => 'fields not listed are refused now',
  extra_opened: () => 'fields not listed are accepted now',
  extra_some: () => 'some fields not listed are accepted now',
  tuple_changed: () => 'tuple items changed: cannot be proved compatible',
} satisfies Record<string, Words>;

/** A change's reason key: the last segment of its message code `refusals.change.<key>`. */
export type ChangeReason = keyof typeof REASONS;

export const changeReasonText = (key: ChangeReason, p: MessageParams): string => REASONS[key](p);
