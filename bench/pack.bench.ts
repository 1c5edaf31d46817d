// Disclosure packs (src/main/features/evidence/pack).
// pack.export.10k: ms to export a run with 10,000 audit (log) entries and 1,000 decision cards
//   (synthetic, inserted directly), proofs against a countersigned tree head. Reference: reading the
//   same entries and cards from the database (no proofs, hashing, signing or tar).
// pack.verify.10k: ms to verify that pack from the .tgz (scripts/verify-pack.mjs, the auditor's
//   tool). Reference: the app's own verifier (verify.ts) on the same file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportPack } from '../src/main/features/evidence/pack/export';
import { verifyPack } from '../src/main/features/evidence/pack/verify';
import { countersign, packDevice } from '../src/main/features/evidence/pack/test-helpers';
import type { NewCard } from '../src/main/features/cards/index';
import { tempDir } from '../src/main/platform/test-utils';
import { emit, size } from './figure';

const ENTRIES = size(10_000, 200);
const CARDS = size(1_000, 20);

type Standalone = {
  readPack: (b: Buffer) => Promise<{ files: Map<string, Buffer>; bad: string[] }>;
  verifyFiles: (f: Map<string, Buffer>, bad: string[]) => { failures: unknown[] };
};

export async function run(): Promise<void> {
  const d = await packDevice({ countersign: false });
  const { s } = d;
  const runId = d.runIds[0]!;
  const batch = Array.from({ length: ENTRIES }, (_, i) => ({
    actor: 'service:bench',
    action: 'run.log',
    subject: runId,
    payload: { i, line: `synthetic log line ${i}` },
  }));
  for (let i = 0; i < ENTRIES; i += 1000) s.audit.appendMany(batch.slice(i, i + 1000));
  const template = s.runs.cards.forRun(runId)[0]!;
  const { id: _id, createdAt: _c, auditHash: _a, approval: _p, ...newCard } = template;
  s.db.transaction(() => {
    for (let i = 0; i < CARDS; i++) s.runs.cards.record({ ...(newCard as NewCard), subject: `synthetic card ${i}` }, 'service:bench');
  })();
  countersign(s, d.server.privateKey);

  const out = join(tempDir(), 'pack.tgz');
  let t = performance.now();
  const res = await exportPack(s, runId, { out });
  const exportMs = performance.now() - t;
  t = performance.now();
  s.db.prepare('SELECT * FROM audit_log WHERE subject = ? ORDER BY seq').all(runId);
  s.runs.cards.forRun(runId);
  const readMs = performance.now() - t;
  emit({
    name: 'pack.export.10k',
    value: exportMs,
    unit: `ms (${res.files} files, ${(res.bytes / 1e6).toFixed(1)} MB)`,
    ref: readMs,
    refName: 'reading the entries and cards from the database',
    target: '< 3000',
  });

  const mjs = (await import(pathToFileURL(join(process.cwd(), 'scripts/verify-pack.mjs')).href)) as Standalone;
  t = performance.now();
  const { files, bad } = await mjs.readPack(readFileSync(out));
  const r = mjs.verifyFiles(files, bad);
  const verifyMs = performance.now() - t;
  if (r.failures.length) throw new Error(`the bench pack does not verify: ${JSON.stringify(r.failures.slice(0, 3))}`);
  t = performance.now();
  const r2 = await verifyPack(out);
  const refMs = performance.now() - t;
  if (!r2.ok) throw new Error('the bench pack does not verify (verify.ts)');
  emit({ name: 'pack.verify.10k', value: verifyMs, unit: 'ms', ref: refMs, refName: 'verify.ts (the app verifier) on the same pack', target: '< 2000' });
  s.close();
}
