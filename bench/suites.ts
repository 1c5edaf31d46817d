// Every benchmark suite, in run order. Modules load only when their suite runs, so a narrow prefix
// (and the smoke test, which reads this list) does not load them all.
import type { Suite } from './runner';

export const SUITES: readonly Suite[] = [
  { prefix: 'audit.', run: async () => (await import('./audit.bench')).run() },
  { prefix: 'attachment.ingest', also: ['attachment.read'], run: async () => (await import('./attachment-ingest.bench')).run() },
  { prefix: 'atrest.', run: async () => (await import('./atrest.bench')).run() },
  { prefix: 'attachment.upload', run: async () => (await import('./attachment.bench')).run() },
  { prefix: 'api.', run: async () => (await import('./api.bench')).run() },
  { prefix: 'receipt.', run: async () => (await import('./receipt.bench')).run() },
  { prefix: 'sync.server.', run: async () => (await import('./sync-server.bench')).run() },
  { prefix: 'sync.e2e', run: async () => (await import('./sync-e2e.bench')).run() },
  { prefix: 'sync.cluster.', also: ['pull.wake.', 'load.'], run: async (filter) => (await import('./cluster.bench')).run(filter) },
  { prefix: 'devices.report', run: async () => (await import('./admin-devices.bench')).run() },
  { prefix: 'risk.', run: async () => (await import('./risk.bench')).run() },
  { prefix: 'policy.', run: async () => (await import('./policy.bench')).run() },
  { prefix: 'injection.', run: async () => (await import('./injection.bench')).run() },
  { prefix: 'inference.', run: async () => (await import('./inference.bench')).run() },
  { prefix: 'cards.', run: async () => (await import('./cards.bench')).run() },
  { prefix: 'bundle.', run: async () => (await import('./bundle.bench')).run() },
  { prefix: 'memory.', run: async () => (await import('./memory.bench')).run() },
  { prefix: 'merkle.', run: async () => (await import('./merkle.bench')).run() },
  { prefix: 'pack.', run: async () => (await import('./pack.bench')).run() },
  { prefix: 'embedding.', run: async () => (await import('./embedding.bench')).run() },
  { prefix: 'fuzz.', run: async () => (await import('./fuzz.bench')).run() },
  // One run measures both (they share the three enrolled devices).
  { prefix: 'sync.pull', also: ['approval.'], run: async () => (await import('./team.bench')).run() },
  // The year profile (scripts/year-profile.ts): start, views, searches and memory of the app at scale.
  { prefix: 'app.', run: async () => (await import('./year.bench')).run() },
];
