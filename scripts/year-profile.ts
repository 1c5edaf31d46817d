// A device data directory at the scale of a year of field work (issue 20): 1,000,000 audit entries,
// 100,000 captured records (each with its outbox item), 100,000 decision cards, 200,000 memory
// items and 5 GB of attachments, times `factor` (tests and the smoke run use a tiny one).
//
// Everything goes in through the product's own stores, so the app reads it as real data: the vault
// and at-rest key as the web host opens them (SQLCipher database, attachment files sealed in the
// at-rest format), records through capture.submit (contract-validated; record + audit entry + outbox
// items), cards through the card store's bulk insert (FTS, failed-invariant index), memory through
// importMany with the embedder the app itself loads at start (so start-up re-embeds nothing), and
// the rest of the audit log through appendMany (a valid hash chain). Speed comes from big
// transactions: a few thousand submits nest (as savepoints) in one outer transaction.
//
//   node --import tsx scripts/year-profile.ts DIR [FACTOR]     (FACTOR 1 = the full year; default 1)
// Then: MAESTRO_KEYSTORE=vault MAESTRO_VAULT_PASSPHRASE=<YEAR_PASSPHRASE> npm run start:web -- --data-dir DIR
import { randomBytes } from 'node:crypto';
import { createServices, type Services } from '../src/main/app/services';
import { VaultStore } from '../src/main/platform/keys/index';
import { loadAtRestKey } from '../src/main/platform/keys/at-rest';
import { unitVectorSource, rng } from '../src/main/features/memory/testing';
import type { MemoryImportItem } from '../src/main/features/memory/index';
import type { NewAuditEntry } from '../src/main/platform/audit/index';
import type { MemoryTier } from '../src/shared/memory/types';
import { syntheticCards } from '../bench/cards.bench';

/** The vault passphrase of a generated profile (the web host opens it with MAESTRO_VAULT_PASSPHRASE). */
export const YEAR_PASSPHRASE = 'year-profile-pass';
export const YEAR_ENV = { MAESTRO_KEYSTORE: 'vault', MAESTRO_VAULT_PASSPHRASE: YEAR_PASSPHRASE };

/** A year of field work on one device (factor 1). */
const YEAR = { audit: 1_000_000, records: 100_000, cards: 100_000, memory: 200_000, attachmentBytes: 5 * 1024 ** 3 };
/** Attachments are photos of this size (fewer and smaller in a tiny profile). */
const PHOTO_BYTES = 5 * 1024 * 1024;
const DAY = 86_400_000;

interface YearCounts {
  audit: number;
  records: number;
  outbox: number;
  cards: number;
  memory: number;
  attachments: number;
  attachmentBytes: number;
}

interface YearProfile {
  dataDir: string;
  counts: YearCounts;
  /** Seconds per stage. */
  seconds: Record<string, number>;
}

/** How many of each `factor` asks for (at least one of each when factor > 0; none at 0: an empty profile). */
function yearTargets(factor: number): typeof YEAR {
  const n = (x: number) => (factor <= 0 ? 0 : Math.max(1, Math.round(x * factor)));
  return { audit: n(YEAR.audit), records: n(YEAR.records), cards: n(YEAR.cards), memory: n(YEAR.memory), attachmentBytes: n(YEAR.attachmentBytes) };
}

const site = (i: number, photos: string[]) => ({
  siteId: `PS-${(i % 999_999) + 1}`,
  inspectedAt: new Date(Date.UTC(2026, 0, 1) + (i % 365) * DAY).toISOString().slice(0, 10),
  location: { lat: 60 + (i % 1000) / 1000, lon: 24 + (i % 777) / 1000, accuracyM: 3 + (i % 9) },
  condition: ['good', 'fair', 'poor'][i % 3],
  accessible: i % 7 !== 0,
  inspector: { name: `Inspector ${i % 40}` },
  readings: [{ meter: 'Flow', value: 30 + (i % 200) / 10, unit: 'm3/h' }],
  visitMinutes: 20 + (i % 90),
  ...(photos.length ? { photos } : {}),
});
const specimen = (i: number) => ({
  specimenId: `SP-2026-${String(i).padStart(6, '0')}`,
  collectedAt: new Date(Date.UTC(2026, 0, 1) + (i % 365) * DAY).toISOString().slice(0, 10),
  taxon: ['Daphnia magna', 'Asellus aquaticus', 'Gammarus pulex', 'Chironomus riparius'][i % 4],
  count: 1 + (i % 120),
  site: { lat: 60.2, lon: 24.95, elevationM: 12, habitat: 'freshwater' },
  collector: { name: `Collector ${i % 25}` },
  preservation: 'ethanol-70',
  hazard: 'none',
  tags: ['lake-survey'],
});

/** Photos: distinct content (an index stamped into a shared random block), sealed at rest by the store. */
function addAttachments(s: Services, totalBytes: number): { refs: string[]; bytes: number } {
  if (totalBytes <= 0) return { refs: [], bytes: 0 };
  const size = Math.min(PHOTO_BYTES, totalBytes);
  const n = Math.max(1, Math.round(totalBytes / size));
  const block = randomBytes(size);
  const now = new Date().toISOString();
  const refs: string[] = [];
  for (let i = 0; i < n; i++) {
    block.writeUInt32BE(i, 0);
    refs.push(s.capture.attachments.put(block, `photo-${i}.jpg`, 'image/jpeg', now).ref);
  }
  return { refs, bytes: n * size };
}

/** Records through capture.submit, a thousand per outer transaction; photo i goes with record i·records/photos. */
function addRecords(s: Services, n: number, photos: string[]): void {
  const every = photos.length ? Math.max(1, Math.floor(n / photos.length)) : 0;
  for (let i = 0; i < n;) {
    s.db.transaction(() => {
      for (let k = 0; k < 1000 && i < n; k++, i++) {
        const p = every && i % every === 0 ? photos.slice(i / every, i / every + 1) : [];
        if (i % 2 === 0 || p.length) s.capture.submit({ contract: 'field.inspect.site@1.2.0', data: site(i, p) });
        else s.capture.submit({ contract: 'lab.record.specimen@2.0.1', data: specimen(i) });
      }
    })();
  }
}

const WORDS = (
  'valve flange corrosion pump station meter flow pressure gate inspection specimen lake survey sample ' +
  'crack leak seal bearing motor filter sludge turbidity oxygen nitrate bank erosion culvert bridge fence ' +
  'hatch ladder cable sensor battery logger reading calibration drift alarm access key route weather'
).split(' ');
const TIERS: MemoryTier[] = ['semantic', 'semantic', 'semantic', 'episodic', 'episodic', 'episodic', 'procedural', 'procedural'];

/**
 * `total` memory items through importMany (50k per transaction) with random unit vectors for the
 * app's own embedder: first each record's episodic item (what the app's ingest adds after a capture,
 * here in bulk), then semantic, procedural and more episodic items.
 */
function addMemory(s: Services, total: number): void {
  const n = total;
  if (n <= 0) return;
  const records = s.db.prepare('SELECT id, contract FROM records ORDER BY id LIMIT ?').all(n) as { id: string; contract: string }[];
  const e = s.inference.embedder();
  const next = unitVectorSource(e.dimension, 11, 100, n);
  const r = rng(5);
  const now = Date.now();
  for (let done = 0; done < n;) {
    const batch: MemoryImportItem[] = [];
    for (let k = 0; k < 50_000 && done < n; k++, done++) {
      const words = Array.from({ length: 8 + ((r() * 10) | 0) }, () => WORDS[(r() * WORDS.length) | 0]!);
      const rec = records[done];
      batch.push({
        tier: rec ? 'episodic' : TIERS[(r() * TIERS.length) | 0]!,
        text: rec ? `Captured ${rec.contract}\n${words.join(' ')} #${done}` : `${words.join(' ')} #${done}`,
        locale: 'und',
        sourceRefs: [rec ? `record:${rec.id}` : `note:year-${done}`],
        createdAt: new Date(now - 365 * DAY + (done / n) * 364 * DAY).toISOString(),
        vector: next(),
      });
    }
    s.memory.importMany(batch, { id: e.id, dimension: e.dimension }, 'service:year-profile');
  }
}

const ACTIONS: [string, string][] = [
  ['note.added', 'user'],
  ['record.viewed', 'user'],
  ['sync.batch_sent', 'service:sync'],
  ['run.step_committed', 'service:workflow'],
  ['decision.recorded', 'service:policy'],
  ['memory.added', 'service:memory'],
  ['bundle.verified', 'service:bundles'],
];

/** The rest of the audit log up to `total`, 20k entries per transaction (each a valid link of the chain). */
function fillAudit(s: Services, total: number, profileId: string): void {
  let seq = s.audit.head()?.seq ?? 0;
  while (seq < total) {
    const batch: NewAuditEntry[] = [];
    for (let k = 0; k < 20_000 && seq < total; k++, seq++) {
      const [action, who] = ACTIONS[seq % ACTIONS.length]!;
      batch.push({ actor: who === 'user' ? `user:${profileId}` : who, action, subject: `site-${seq % 5000}`, payload: { n: seq, note: `entry ${seq}` } });
    }
    s.audit.appendMany(batch);
  }
}

/**
 * Builds the profile in `dataDir` (empty or absent). `scale`: a factor of the year (0: a profile with
 * nothing but its owner), or the counts themselves (tests).
 */
export async function buildYearProfile(dataDir: string, scale: number | typeof YEAR = 1, log: (m: string) => void = () => {}): Promise<YearProfile> {
  const want = typeof scale === 'number' ? yearTargets(scale) : scale;
  const seconds: Record<string, number> = {};
  const stage = async (name: string, f: () => unknown) => {
    const t = performance.now();
    await f();
    seconds[name] = (performance.now() - t) / 1000;
    log(`year-profile: ${name} ${seconds[name].toFixed(1)} s`);
  };
  const vault = new VaultStore(dataDir);
  await vault.unlock(YEAR_PASSPHRASE);
  const s = createServices({ dataDir, host: 'web', secrets: vault, atRestKey: await loadAtRestKey(vault) });
  try {
    const profile = s.profile.setup({ name: 'Field Worker', tenant: 'year-field' });
    // What the app does at start (startBackground): models from the models folder, so records' memory
    // items and the imported ones carry the embedder the app will use (start-up re-embeds nothing).
    await s.bundles.installFromDir(s.modelsDir);
    await s.inference.reload();
    // Records' episodic memory items are imported in bulk below instead of embedded one by one.
    (s.memoryIngest as { stop?: () => void }).stop?.();
    let photos: { refs: string[]; bytes: number } = { refs: [], bytes: 0 };
    await stage('attachments', () => (photos = addAttachments(s, want.attachmentBytes)));
    await stage('records', () => addRecords(s, want.records, photos.refs));
    const start = Date.now() - 365 * DAY;
    await stage('cards', () => {
      const n = want.cards;
      for (let i = 0; i < n; i += 10_000) s.runs.cards.insertMany(syntheticCards(Math.min(10_000, n - i), start + i * ((364 * DAY) / n), 7 + i, i));
    });
    await stage('memory', () => addMemory(s, want.memory));
    await stage('audit', () => fillAudit(s, want.audit, profile.id));
    const count = (t: string) => s.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
    const counts: YearCounts = {
      audit: s.audit.head()?.seq ?? 0,
      records: count('records'),
      outbox: count('outbox'),
      cards: s.runs.cards.count(),
      memory: count('memory_items'),
      attachments: photos.refs.length,
      attachmentBytes: photos.bytes,
    };
    return { dataDir, counts, seconds };
  } finally {
    s.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, factor] = process.argv.slice(2);
  if (!dir) throw new Error('usage: year-profile DIR [FACTOR]');
  const p = await buildYearProfile(dir, factor === undefined ? 1 : Number(factor), (m) => process.stderr.write(`${m}\n`));
  process.stdout.write(`${JSON.stringify(p)}\n`);
}
