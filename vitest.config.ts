import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 20000,
    // At least two files at a time. vitest's default (one fewer than the cores) runs one file at a
    // time on a 2-core machine, where most of the slow files wait on child processes, sockets and
    // fsync rather than compute: two at a time took the suite from 928 s to 680 s there (README,
    // "Run the tests"). Each file makes its own data dirs, ports and PostgreSQL schema.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
