// Annotations Maestro reads in contract schemas besides JSON Schema's own keywords. They validate
// nothing; ajv (shared/validation.ts) accepts them in strict mode, and the capture form reads them.

/** Names the capture-form widget for a field: `"geo"` marks an object as a place ("Use my location"). */
export const WIDGET_ANNOTATION = 'x-maestro-widget';

/**
 * Marks a top-level field as one of the record's title fields, its value the field's place (1 first):
 * what names the record to a reviewer (card, approval dialog), in run titles and in card search.
 * The first is the record's identifying field ("Site inspection report · RPT-2026-103"). A contract
 * that marks none gets a default (src/shared/workflow/record-fields.ts titleFieldsOf).
 */
export const TITLE_ANNOTATION = 'x-maestro-title';

/**
 * Author-written messages for a field's checks, by JSON Schema keyword (`minimum`, `pattern`,
 * `required`…): one text, or one per locale (`{ "en": "…", "sv": "…" }`). The capture form shows
 * them instead of its generic messages (docs/decisions/0029-forms-with-logic.md).
 */
export const MESSAGES_ANNOTATION = 'x-maestro-messages';

/**
 * Per-locale words for any schema node, by locale: `{ "sv": { "title", "description", "help",
 * "enum": { value: label }, "messages": { keyword: text } } }`. The form picks the user's language,
 * then its base language, then the contract's default locale, then the plain JSON Schema words
 * (docs/decisions/0031-contracts-in-several-languages.md). On the root schema, `title` and
 * `description` are the contract's own. Enum labels change what is shown, never the stored value.
 */
export const I18N_ANNOTATION = 'x-maestro-i18n';

/** On the root schema only: the locale of the contract's plain words (`title`, `description`…); `en` when absent. */
export const LOCALE_ANNOTATION = 'x-maestro-locale';

/** The locale of a contract without `x-maestro-locale`. */
export const DEFAULT_CONTRACT_LOCALE = 'en';

/** A locale tag: a language, then optional subtags ("sv", "pt-BR", "zh-Hant"). */
export const LOCALE_PATTERN = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$';

const text = { type: 'string', minLength: 1, maxLength: 4000 } as const;
const textMap = { type: 'object', additionalProperties: text } as const;

/** The JSON Schema of an `x-maestro-i18n` value (ajv's meta-schema for the keyword, and the load-time check). */
export const I18N_META_SCHEMA = {
  type: 'object',
  propertyNames: { type: 'string', pattern: LOCALE_PATTERN },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    properties: { title: text, description: text, help: text, enum: textMap, messages: textMap },
  },
} as const;

/** The words of one locale on one schema node. */
export interface LocaleWords {
  title?: string;
  description?: string;
  help?: string;
  /** Label by enum value (the value as JSON text would be ambiguous; strings as they are, others by String()). */
  enum?: Record<string, string>;
  /** Author messages by JSON Schema keyword, as in `x-maestro-messages`. */
  messages?: Record<string, string>;
}

/** The locales to try, best first: the language, its base language, the contract's default locale. */
export function localeChain(lang: string | undefined, contractLocale: string = DEFAULT_CONTRACT_LOCALE): string[] {
  const l = lang || contractLocale;
  return [...new Set([l, l.split('-')[0]!, contractLocale, contractLocale.split('-')[0]!])];
}

/** JSON Schema keywords whose value is one subschema, a map of subschemas, or a list of them (where translations may sit). */
export const SUBSCHEMA_KEYWORDS = {
  one: ['items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'if', 'then', 'else', 'not', 'contains', 'propertyNames'],
  map: ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'],
  list: ['allOf', 'anyOf', 'oneOf', 'prefixItems'],
} as const;
