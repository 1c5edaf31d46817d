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
// After each chunk's answer the child waits 100 ms (a slow link between chunks): a life then sends a
// few chunks, not the whole file, before the parent's kill lands, so 20 kills all land mid-upload.
const counting: typeof fetch = async (input, init) => {
  const url = input instanceof URL ? input : new URL(String(input));
  const m = CHUNK_PUT.exec(url.pathname);
  const chunk = m && init?.method === 'PUT' && init.body instanceof Uint8Array;
  if (chunk) appendFileSync(putLog, `${m[1]} ${m[2]} ${(init.body as Uint8Array).length}\n`);
  const res = await fetch(input, init);
  if (chunk) await new Promise((r) => setTimeout(r, 100));
  return res;
};

const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir), fetch: counting });
// Each life is a user pressing Sync now: items the last life's failure put in backoff go at once.
const r = await s.sync.syncNow({ force: true });
process.stdout.write(`${JSON.stringify(r)}\n`);
s.close();
process.exit(0);
