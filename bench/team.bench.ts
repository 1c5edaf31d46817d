import type { Services } from '../src/main/app/services';
import { sendJson } from '../src/main/platform/device/signed-fetch';
import { privateKeyFromPem } from '../src/platform/ed25519';
import { report } from '../src/main/features/runs/test-helpers';
import { enrolled, handOutKeys, teamServer } from '../test/integration/team-helpers';
import { emit, percentile, size } from './figure';

const SITE = 'field.inspect.site@1.2.0';

/**
 * sync.pull.10k: a reviewer device pulls, verifies (receipt signatures, AES-GCM) and applies 10,000
 * items another device of the tenant sent. ref: the same pages fetched as signed GETs and parsed,
 * nothing decrypted, verified or applied (transport + server query).
 *
 * approval.roundtrip: from a reviewer's approval on its own device to the field device's run
 * resuming, both online (the field device long-polls). ref: the same decision made on the field
 * device itself (runs.decide), no network.
 */
export async function run(): Promise<void> {
  const t = await teamServer({ MAESTRO_SERVER_RATE_PER_SEC: '10000', MAESTRO_SERVER_RATE_BURST: '10000' });
  const devices: Services[] = [];
  try {
    const admin = await enrolled(t, 'Dana', 'dana@acme', 'admin');
    const field = await enrolled(t, 'Ada', 'ada@acme', 'field');
    const reviewer = await enrolled(t, 'Rita', 'rita@acme', 'reviewer');
    devices.push(admin, field, reviewer);
    await handOutKeys(admin);
    await field.sync.syncNow();
    await reviewer.team.pull();

    // ---- sync.pull.10k
    const n = size(10_000, 50);
    const notes = 'x'.repeat(600);
    field.db.transaction(() => {
      for (let i = 0; i < n; i++)
        field.capture.submit({
          contract: SITE,
          data: { siteId: `PS-${i}`, inspectedAt: '2026-11-21', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' }, notes },
        });
    })();
    const sent = await field.sync.syncNow();
    if (sent.acked < n) throw new Error(`sync.pull.10k: only ${sent.acked} sent`);
    const cursor0 = reviewer.team.status().pull.cursor;
    const t0 = performance.now();
    const pulled = await reviewer.team.pull();
    const seconds = (performance.now() - t0) / 1000;
    const records = reviewer.db.prepare('SELECT count(*) FROM team_records').pluck().get() as number;
    if (pulled.applied < n || records < n) throw new Error(`sync.pull.10k: applied ${pulled.applied}, records ${records}`);
    // ref: the same pages, fetched and parsed only
    const cfg = reviewer.sync.config()!;
    const pem = await (await reviewer.secrets()).get(`device-signing-key:${cfg.deviceId}`);
    const signer = { deviceId: cfg.deviceId, key: privateKeyFromPem(pem!), now: () => new Date() };
    const t1 = performance.now();
    let since = cursor0;
    for (;;) {
      const r = await sendJson(fetch, cfg.serverUrl, 'GET', `/v1/sync/changes?since=${since}&limit=500`, undefined, signer);
      const body = r.body as { until: number; hasMore: boolean };
      since = body.until;
      if (!body.hasMore) break;
    }
    const refSeconds = (performance.now() - t1) / 1000;
    emit({
      name: 'sync.pull.10k',
      value: seconds,
      unit: 's',
      ref: refSeconds,
      refName: 'same pages fetched and parsed only (no decrypt, verify or apply)',
      target: '< 5',
    });

    // ---- approval.roundtrip
    field.team.startLive();
    const times: number[] = [];
    const local: number[] = [];
    const resumed = (s: Services, id: string) => (s.db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(id) as string) !== 'awaiting_approval';
    const waitFor = async (pred: () => boolean, ms = 20_000) => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error('approval.roundtrip: timed out');
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const rounds = size(6, 1);
    let stopping: Promise<void> | null = null;
    for (let i = 0; i < rounds; i++) {
      const r = await field.runs.start({ workflow: 'site-inspection-report@1.0.0', input: report({ conclusion: 'unsafe', reportId: `RPT-2026-90${i}` }) });
      const card = field.db.prepare('SELECT awaiting_card FROM runs WHERE id = ?').pluck().get(r.id) as string;
      await field.sync.syncNow();
      await reviewer.team.pull();
      // Before the last decision the live loop is told to stop: the decision answers its long poll,
      // which stopLive() would otherwise wait out (25 s).
      if (i === rounds - 1) stopping = field.team.stopLive();
      const a = performance.now();
      await reviewer.team.decideRemote({
        device: field.sync.config()!.deviceId,
        runId: r.id,
        cardId: card,
        decision: 'approved',
        comment: 'Checked with the site lead, proceed',
      });
      await reviewer.sync.syncNow();
      await waitFor(() => resumed(field, r.id));
      times.push(performance.now() - a);
      await field.runs.idle();
      // ref: decided on the field device itself
      const r2 = await field.runs.start({ workflow: 'site-inspection-report@1.0.0', input: report({ conclusion: 'unsafe', reportId: `RPT-2026-80${i}` }) });
      const b = performance.now();
      void field.runs.decide(r2.id, {
        decision: 'approved',
        comment: 'Checked with the site lead, proceed',
        actor: { id: 'local', role: 'reviewer', tenant: 'acme' },
      });
      await waitFor(() => resumed(field, r2.id));
      local.push(performance.now() - b);
      await field.runs.idle();
    }
    await stopping;
    times.sort((x, y) => x - y);
    local.sort((x, y) => x - y);
    emit({
      name: 'approval.roundtrip.p50',
      value: percentile(times, 50) / 1000,
      unit: 's',
      ref: percentile(local, 50) / 1000,
      refName: 'same decision made on the field device (no network)',
      target: '< 2',
    });
    emit({
      name: 'approval.roundtrip.max',
      value: times[times.length - 1]! / 1000,
      unit: 's',
      ref: local[local.length - 1]! / 1000,
      refName: 'same decision made on the field device (no network)',
      target: '< 2',
    });
  } finally {
    devices.forEach((d) => d.close());
    await t.srv.stop();
  }
}
