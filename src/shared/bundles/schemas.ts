// The JSON Schemas of the bundle metadata roles and of the sealed-state views. Each is declared once
// with TypeBox next to its type (./types.ts); this module keeps their import path for the validators.
export {
  appUpdateInfoSchema,
  BUNDLE_NAME_PATTERN,
  bundleInfoSchema,
  bundleProgressSchema,
  bundleVersionViewSchema,
  installResultSchema,
  modelInfoSchema,
  ROLE_SCHEMAS,
  rootSchema,
  sealedStateReportSchema,
  snapshotSchema,
  targetsSchema,
  timestampSchema,
  updateStatusSchema,
  verifyResultSchema,
} from './types';
