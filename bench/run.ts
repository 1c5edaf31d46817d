// npm run bench [prefix]: one JSON line per figure, each with its reference measured in the same run.
import * as attachmentIngest from './attachment-ingest.bench';
import * as atrest from './atrest.bench';
import * as attachment from './attachment.bench';
import * as audit from './audit.bench';
import * as bundle from './bundle.bench';
import * as adminDevices from './admin-devices.bench';
import * as api from './api.bench';
import * as cards from './cards.bench';
import * as cluster from './cluster.bench';
import * as embedding from './embedding.bench';
import * as fuzz from './fuzz.bench';
import * as inference from './inference.bench';
import * as injection from './injection.bench';
import * as memory from './memory.bench';
import * as merkle from './merkle.bench';
import * as pack from './pack.bench';
import * as policy from './policy.bench';
import * as receipt from './receipt.bench';
import * as risk from './risk.bench';
import * as syncE2e from './sync-e2e.bench';
import * as syncServer from './sync-server.bench';
import * as team from './team.bench';

const suites: { prefix: string; also?: string[]; run: () => void | Promise<void> }[] = [
  { prefix: 'audit.', run: audit.run },
  { prefix: 'attachment.ingest', also: ['attachment.read'], run: attachmentIngest.run },
  { prefix: 'atrest.', run: atrest.run },
  { prefix: 'attachment.upload', run: attachment.run },
  { prefix: 'api.', run: api.run },
  { prefix: 'receipt.', run: receipt.run },
  { prefix: 'sync.server.', run: syncServer.run },
  { prefix: 'sync.e2e', run: syncE2e.run },
  { prefix: 'sync.cluster.', also: ['pull.wake.', 'load.'], run: cluster.run },
  { prefix: 'devices.report', run: adminDevices.run },
  { prefix: 'risk.', run: risk.run },
  { prefix: 'policy.', run: policy.run },
  { prefix: 'injection.', run: injection.run },
  { prefix: 'inference.', run: inference.run },
  { prefix: 'cards.', run: cards.run },
  { prefix: 'bundle.', run: bundle.run },
  { prefix: 'memory.', run: memory.run },
  { prefix: 'merkle.', run: merkle.run },
  { prefix: 'pack.', run: pack.run },
  { prefix: 'embedding.', run: embedding.run },
  { prefix: 'fuzz.', run: fuzz.run },
  // One run measures both (they share the three enrolled devices).
  { prefix: 'sync.pull', also: ['approval.'], run: team.run },
];

const filter = process.argv[2] ?? '';
for (const s of suites) {
  const prefixes = [s.prefix, ...(s.also ?? [])];
  if (filter && !prefixes.some((p) => p.startsWith(filter) || filter.startsWith(p))) continue;
  await s.run();
}
