// The JSON Schemas of the sync wire format (draft 2020-12). Each is declared once with TypeBox next
// to its type (./protocol.ts); this module keeps their import path for the validators.
export {
  enrollmentTokenRequestSchema,
  enrollRequestSchema,
  enrollResponseSchema,
  MAX_BATCH_BYTES,
  syncBatchRequestSchema,
  syncBatchResponseSchema,
  syncItemSchema,
} from './protocol';
