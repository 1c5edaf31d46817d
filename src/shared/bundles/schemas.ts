// The JSON Schemas of the bundle metadata roles and of the sealed-state views. Each is declared once
// with TypeBox next to its type (./types.ts); this module keeps their import path for the validators.
export {
  BUNDLE_NAME_PATTERN,
  bundleInfoSchema,
  bundleProgressSchema,
  installResultSchema,
  ROLE_SCHEMAS,
  sealedStateReportSchema,
  updateStatusSchema,
  verifyResultSchema,
} from './types';
