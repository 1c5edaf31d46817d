// Key rotation (issue 18) on PostgreSQL; skipped with the reason without MAESTRO_TEST_DATABASE_URL.
import { postgresBackend } from './testing/backends';
import { defineKeyRotationSuite } from './testing/keys-suite';

defineKeyRotationSuite(postgresBackend());
