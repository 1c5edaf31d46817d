// Child process of attachment-resume.test.ts: one life of a device that syncs its outbox.
//   node --import tsx test/integration/attachment-kill-child.ts <dataDir> <putLog>
// Every attachment chunk PUT is appended to <putLog> ("<blob> <index> <bytes>") before it is sent,
// synchronously, so the record survives a SIGKILL: the parent sums what was sent, again and again.
import { appendFileSync } from 'node:fs';
import { createServices } from '../../src/main/app/services';
import { unlockedVault } from '../../src/main/platform/test-utils';

const [dataDir, putLog] = process.argv.slice(2);
if (!dataDir || !putLog) throw new Error('usage: attachment-kill-child.ts <dataDir> <putLog>');

const CHUNK_PUT = /\/v1\/attachments\/([0-9a-f]{64})\/chunks\/(\d+)$/;
const counting: typeof fetch = (input, init) => {
  const url = input instanceof URL ? input : new URL(String(input));
  const m = CHUNK_PUT.exec(url.pathname);
  if (m && init?.method === 'PUT' && init.body instanceof Uint8Array) appendFileSync(putLog, `${m[1]} ${m[2]} ${init.body.length}\n`);
  return fetch(input, init);
};

const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir), fetch: counting });
const r = await s.sync.syncNow();
process.stdout.write(`${JSON.stringify(r)}\n`);
s.close();
process.exit(0);
