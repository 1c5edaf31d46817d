// Annotations Maestro reads in contract schemas besides JSON Schema's own keywords. They validate
// nothing; ajv (shared/validation.ts) accepts them in strict mode, and the capture form reads them.

/** Names the capture-form widget for a field: `"geo"` marks an object as a place ("Use my location"). */
export const WIDGET_ANNOTATION = 'x-maestro-widget';
