// Sample data for `npm run demo`: a field profile, an audit trail of a day's inspection, captured
// records (one with a photo), and — given a server URL and token — enrollment and a first sync, with
// a few items left queued so the Outbox has something to show.
import { createServices } from '../src/main/app/services';
import { VaultStore } from '../src/main/platform/keys/index';
import { loadAtRestKey } from '../src/main/platform/keys/at-rest';

import { DEMO_BACKUP_PASSPHRASE, DEMO_PASSPHRASE } from './demo-constants';
import { seedRuns } from './demo-runs';
import { serverReader } from '../src/main/features/bundles/server-source';
import { seedEvidence } from './demo-evidence';

const [dataDir, serverUrl, token] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: demo-seed <dataDir> [serverUrl token]');
const vault = new VaultStore(dataDir);
await vault.unlock(DEMO_PASSPHRASE);
const s = createServices({ dataDir, host: 'web', secrets: vault, atRestKey: await loadAtRestKey(vault) });

const site = (id: string, condition: string, extra: Record<string, unknown> = {}) => ({
  siteId: id,
  inspectedAt: '2026-11-20',
  location: { lat: 60.1699, lon: 24.9384, accuracyM: 4 },
  condition,
  accessible: true,
  inspector: { name: 'Dana Demo', phone: '+358 40 000 0000' },
  readings: [
    { meter: 'Flow', value: 41.7, unit: 'm3/h' },
    { meter: 'Pressure', value: 3.2, unit: 'bar' },
  ],
  visitMinutes: 48,
  ...extra,
});
const specimen = (n: number, taxon: string) => ({
  specimenId: `SP-2026-0041${n}`,
  collectedAt: '2026-11-20',
  taxon,
  count: 12 * n,
  site: { lat: 60.2, lon: 24.95, elevationM: 12, habitat: 'freshwater' },
  collector: { name: 'Dana Demo' },
  preservation: 'ethanol-70',
  hazard: 'none',
  tags: ['demo', 'lake-survey'],
});

if (!s.profile.get()) {
  const p = s.profile.setup({ name: 'Dana Demo', tenant: 'demo-field' });
  const me = `user:${p.id}`;
  const steps: [string, string, string, unknown][] = [
    [me, 'note.added', 'site-7', { note: 'Arrived at pumping station 7; gate locked, used key 14.' }],
    ['service:workflow', 'run.started', 'run-001', { workflow: 'site-inspection@1.0.0', site: 'site-7' }],
    [me, 'note.added', 'site-7/valve-b', { note: 'Valve B: light corrosion on flange, photo taken.' }],
    ['service:policy', 'decision.recorded', 'run-001', { lane: 'auto', rule: 'corrosion-minor', outcome: 'allow' }],
    [me, 'note.added', 'site-7/meter', { note: 'Flow meter reads 41.7 m3/h, within range.' }],
    ['service:workflow', 'run.completed', 'run-001', { steps: 6, durationMin: 48 }],
    [me, 'note.added', 'site-7', { note: 'Left site 7, gate locked.' }],
  ];
  for (const [actor, action, subject, payload] of steps) s.audit.append({ actor, action, subject, payload });

  // A tiny PNG as the photo of valve B.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAJElEQVR4nGP4z8DwHw0zMDDAhRgYGBgYkPiYCjB04ODjUAAA3JQR7+oa1BYAAAAASUVORK5CYII=',
    'base64',
  );
  const photo = s.capture.attachments.put(png, 'valve-b.png', 'image/png', new Date().toISOString());
  s.capture.submit({
    contract: 'field.inspect.site@1.2.0',
    data: site('PS-7', 'fair', {
      photos: [photo.ref],
      findings: [{ description: 'Light corrosion on the flange of valve B', severity: 'minor', followUpBy: '2026-12-15' }],
    }),
  });
  s.capture.submit({ contract: 'lab.record.specimen@2.0.1', data: specimen(7, 'Daphnia magna') });
  s.capture.saveDraft({ contract: 'field.inspect.site@1.2.0', data: { siteId: 'PS-9', condition: 'good' } });

  if (serverUrl && token) {
    await s.sync.enroll(serverUrl, token);
    const r = await s.sync.syncNow();
    process.stdout.write(`demo: enrolled and synced ${r.acked} item(s) with verified receipts\n`);
  }
  // Tiered memory: a pinned fact, how-to knowledge, and facts (episodic items come from the captures).
  const memory: ['core' | 'semantic' | 'procedural', string, string][] = [
    ['core', 'en', 'Dana Demo inspects pumping stations 1–12 for demo-field; station 7 has a locked gate (key 14).'],
    ['procedural', 'en', 'To inspect a valve: check the flange for corrosion, the stem for play and the seal for leaks; photograph any finding.'],
    ['procedural', 'en', 'A reading outside its range needs a second reading ten minutes later before it is reported.'],
    ['semantic', 'en', 'Flow at pumping station 7 is normally between 35 and 45 m3/h; pressure between 2.8 and 3.6 bar.'],
    ['semantic', 'sv', 'Daphnia magna förekommer i sjöns grunda vikar från maj till oktober.'],
    ['semantic', 'fr', 'La corrosion légère des brides est surveillée tous les trois mois.'],
  ];
  for (const [tier, locale, text] of memory) await s.memory.add({ tier, locale, text, sourceRefs: ['demo'], actor: me });
  s.audit.verify();
  if (serverUrl && token) {
    const runs = await seedRuns(s, 'Dana Demo');
    process.stdout.write(`demo: runs ${runs.join(', ')}\n`);
    // Sync so the checkpoint countersigns the tree head the pack's proofs use.
    await s.sync.syncNow();
    const done = runs.map((r) => r.split(' ')).find(([, st]) => st === 'succeeded')?.[0];
    if (done) process.stdout.write(`demo: ${await seedEvidence(s, done, me)}\n`);
  }
  // Captured after the sync: these wait in the outbox until the next sync.
  s.capture.submit({ contract: 'field.inspect.site@1.2.0', data: site('PS-8', 'good') });
  s.capture.submit({ contract: 'lab.record.specimen@2.0.1', data: specimen(8, 'Asellus aquaticus') });

  if (serverUrl && token) {
    // The verified app-update bundle from the server: the app now shows that 0.2.0 exists.
    const r = await s.bundles.install(await serverReader({ db: s.db, clock: s.clock, secrets: s.secrets }, 'app-update'), { actor: 'service:demo' });
    process.stdout.write(`demo: installed ${r.bundle.name} ${r.bundle.version} from the server (update status: ${s.updates.status().state})\n`);
  }
}
await s.memoryIngest.idle();
{
  // A backup of Dana's device (Settings → Back up this device does the same): restore it on a fresh
  // web host's first-run screen to see a device move to a new laptop.
  const b = await s.backup.create(DEMO_BACKUP_PASSPHRASE, 'service:demo');
  process.stdout.write(`demo: backup of this device at ${b.path} (passphrase "${DEMO_BACKUP_PASSPHRASE}", ${b.summary.unsent} items not yet sent)\n`);
}
process.stdout.write(`demo data ready in ${dataDir} (${s.audit.store.count()} audit entries, ${s.outbox.counts().queued} queued)\n`);
s.close();
