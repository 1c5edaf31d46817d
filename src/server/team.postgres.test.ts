// The team sync suite on PostgreSQL. Runs when MAESTRO_TEST_DATABASE_URL is set (scripts/pg-test.sh
// starts a throwaway server and prints it); otherwise every test is skipped with that reason.
import { postgresBackend } from './testing/backends';
import { defineTeamSyncSuite } from './testing/team-suite';

defineTeamSyncSuite(postgresBackend());
