// The JSON Schemas (draft 2020-12) of the team-sync wire objects. Each is declared once with TypeBox
// next to its type (./protocol.ts, ./certificate.ts); this module keeps their import path for the validators.
export { signedCertificateSchema } from './certificate';
export {
  certificateResponseSchema,
  changesResponseSchema,
  encryptionKeyPostSchema,
  myWrappedKeysSchema,
  rolesChangeSchema,
  signedApprovalSchema,
  signedWrappedKeySchema,
  teamKeysPostResponseSchema,
  teamKeysPostSchema,
  teamKeysStatusSchema,
} from './protocol';
