// The team sync suite on SQLite (always runs).
import { sqliteBackend } from './testing/backends';
import { defineTeamSyncSuite } from './testing/team-suite';

defineTeamSyncSuite(sqliteBackend);
