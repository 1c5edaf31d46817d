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
