// Sync now means now (issue 17): with the team long poll waiting on the server (25 s), a Sync now
// starts sending at once instead of joining the poll, and with nothing queued it answers quickly.
import { afterAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/main/app/services';
import { enrolled, handOutKeys, teamServer, type TeamServer } from './team-helpers';

const servers: TeamServer[] = [];
const devices: Services[] = [];
afterAll(async () => {
  // The server first: the waiting long poll then ends at once instead of after its 25 s.
  await Promise.all(servers.map((t) => t.srv.stop()));
  for (const d of devices) {
    await d.team.stopLive();
    d.close();
  }
}, 60_000);

const SITE = 'field.inspect.site@1.2.0';

describe('Sync now while the live long poll is waiting', () => {
  it('sends a new record without waiting for the poll, and an empty run ends without it', { timeout: 120_000 }, async () => {
    const t = await teamServer();
    servers.push(t);
    const admin = await enrolled(t, 'Dana Admin', 'dana@acme', 'admin');
    const field = await enrolled(t, 'Ada Field', 'ada@acme', 'field');
    devices.push(admin, field);
    await handOutKeys(admin);
    await field.team.pull();
    field.team.startLive();
    // Let the long poll reach the server and wait there.
    await new Promise((r) => setTimeout(r, 1500));

    const rec = field.capture.submit({
      contract: SITE,
      data: { siteId: 'NOW-1', inspectedAt: '2026-12-06', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } },
    });
    const started = Date.now();
    const sent = field.sync.syncNow();
    // The batch leaves within a second: the record is acked while the poll is still waiting (it
    // would otherwise hold the run for up to 25 s).
    const acked = await Promise.race([sent.then(() => Date.now() - started), new Promise<number>((r) => setTimeout(() => r(-1), 8_000))]);
    expect(acked).toBeGreaterThanOrEqual(0);
    expect(field.db.prepare('SELECT state FROM outbox WHERE record_id = ?').pluck().get(rec.recordId)).toBe('acked');

    // Nothing queued: the run is one empty exchange, not the poll's wait.
    const emptyStart = Date.now();
    const empty = await Promise.race([field.sync.syncNow().then((r) => r), new Promise<null>((r) => setTimeout(() => r(null), 8_000))]);
    expect(empty).not.toBeNull();
    expect(empty!.acked).toBe(0);
    expect(Date.now() - emptyStart).toBeLessThan(8_000);
  });
});
