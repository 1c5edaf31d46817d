import { createServices } from '../src/main/app/services';
import { tempDir, unlockedVault } from '../src/main/platform/test-utils';
import { enrollToken, freePort, startServer } from '../test/integration/server-process';
import { emit, size } from './figure';

/**
 * sync.e2e.10k: 10,000 captured items from a device's outbox to a real server process over loopback:
 * sealing (AES-256-GCM), signed batches, server storage + signed receipts, receipt verification.
 * ref: the same 10,000 items already sealed, re-sent (the server answers `duplicate` with the
 * original receipts): transport + server + verification without the device's first-send work.
 *
 * The clock starts once the episodic memory has taken in the 10,000 captures (memoryIngest.idle()).
 * Until issue 20 it started right after the capture transaction, so the figure also held most of the
 * memory ingest of 10,000 records (embedding, vector index, audit entries: about two thirds of the
 * 12.4 s on a quiet machine, profiled), running on the same thread while the ref, taken later, never
 * did; in the field each capture's memory entry is added seconds after it, long before a sync of a
 * backlog. Items, payloads, sealing, signatures, receipt checks and acks are unchanged; the memory
 * ingest has its own figure (memory.ingest).
 */
export async function run(): Promise<void> {
  const serverDir = tempDir('maestro-bench-srv-');
  const port = await freePort();
  const srv = await startServer(serverDir, port, { MAESTRO_SERVER_RATE_PER_SEC: '10000', MAESTRO_SERVER_RATE_BURST: '10000' });
  const dataDir = tempDir('maestro-bench-dev-');
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
  try {
    s.profile.setup({ name: 'Bench', tenant: 'bench' });
    await s.sync.enroll(srv.url, enrollToken(serverDir, port, 'bench', 'bench@bench'));
    const n = size(10_000, 50);
    const notes = 'x'.repeat(600);
    s.db.transaction(() => {
      for (let i = 0; i < n; i++) {
        s.capture.submit({
          contract: 'field.inspect.site@1.2.0',
          data: { siteId: `PS-${i}`, inspectedAt: '2026-11-21', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Bench' }, notes },
        });
      }
    })();
    await s.memoryIngest.idle();
    const t = performance.now();
    const r = await s.sync.syncNow();
    const seconds = (performance.now() - t) / 1000;
    if (r.acked !== n) throw new Error(`sync.e2e.10k: only ${r.acked} of ${n} acked (${r.phase})`);

    s.db.prepare("UPDATE outbox SET state = 'queued', receipt_verified = 0").run();
    const t2 = performance.now();
    const again = await s.sync.syncNow({ force: true });
    const refSeconds = (performance.now() - t2) / 1000;
    if (again.acked !== n) throw new Error('sync.e2e.10k ref: resend did not ack everything');
    emit({
      name: 'sync.e2e.10k',
      value: seconds,
      unit: 's',
      ref: refSeconds,
      refName: 'same 10,000 items re-sent already sealed (server answers duplicate)',
      target: '< 3 (issue 20; first target < 10)',
    });
  } finally {
    s.close();
    await srv.stop();
  }
}
