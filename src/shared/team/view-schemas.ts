// The JSON Schemas of the team.* channels' views. Each is declared once with TypeBox next to its
// type (./views.ts); this module keeps their import path for the validators.
export { teamDirectorySchema, teamPeerSchema, teamRecordPageSchema, teamRecordQuerySchema, teamRefusalSchema, teamStatusSchema } from './views';
