// The sync server integration suite on SQLite (always runs).
import { sqliteBackend } from './testing/backends';
import { defineSyncServerSuite } from './testing/sync-suite';

defineSyncServerSuite(sqliteBackend);
