// The JSON Schemas of the memory and model views. Each is declared once with TypeBox next to its
// type (./types.ts); this module keeps their import path for the validators.
export {
  LOCALE_PATTERN,
  memoryAddSchema,
  memoryItemSchema,
  memorySearchQuerySchema,
  memorySearchResultSchema,
  memoryStatsSchema,
  modelStatusSchema,
} from './types';
