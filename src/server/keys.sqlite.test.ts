// Key rotation (issue 18) on SQLite (always runs).
import { sqliteBackend } from './testing/backends';
import { defineKeyRotationSuite } from './testing/keys-suite';

defineKeyRotationSuite(sqliteBackend);
