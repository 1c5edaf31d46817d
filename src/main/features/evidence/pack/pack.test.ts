import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create as tarCreate } from 'tar';
import { canonicalJson } from '../../../../shared/canonical';
import { privateKeyFromPem, signBase64 } from '../../../../platform/ed25519';
import { tempDir } from '../../../platform/test-utils';
import { exportPack } from './export';
import { manifestSigningBytes, type PackManifest, type ProofsFile, type ReceiptsFile } from './format';
import { PACK_MAX_UNPACKED_BYTES, readPack, verifyPack, verifyPackFiles, type FailureCode } from './verify';
import { packDevice, type PackDevice } from './test-helpers';

const open: PackDevice[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.s.close();
});

async function exported(opts: { runs?: number; countersign?: boolean; includePii?: boolean; role?: 'field' | 'reviewer' } = {}) {
  const d = await packDevice(opts);
  open.push(d);
  const out = join(tempDir(), 'pack.tgz');
  const res = await exportPack(d.s, d.runIds[0]!, { out, includePii: opts.includePii, role: opts.role });
  const { files } = await readPack(readFileSync(out));
  return { d, out, res, files };
}

type Standalone = { verifyFiles: (f: Map<string, Buffer>) => { failures: { file: string; code: string }[] } };
const scriptPath = join(process.cwd(), 'scripts/verify-pack.mjs');
const standalone = async (): Promise<Standalone> => (await import(pathToFileURL(scriptPath).href)) as Standalone;
/** The app's verifier; the standalone script must report the same failures. */
async function verifyBoth(files: Map<string, Buffer>) {
  const r = verifyPackFiles(files);
  const m = (await standalone()).verifyFiles(files);
  expect(m.failures.map((f) => `${f.code} ${f.file}`)).toEqual(r.failures.map((f) => `${f.code} ${f.file}`));
  return r;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const json = (v: unknown) => Buffer.from(canonicalJson(v) + '\n');

/** Replace files, then re-list them in the manifest and re-sign it with the device key (a forger holding the key). */
function resealed(d: PackDevice, files: Map<string, Buffer>, changes: Record<string, Buffer>): Map<string, Buffer> {
  const next = new Map(files);
  for (const [k, v] of Object.entries(changes)) next.set(k, v);
  const m = JSON.parse(next.get('manifest.json')!.toString()) as PackManifest;
  m.files = m.files.map((f) => ({ ...f, sha256: sha(next.get(f.path)!), size: next.get(f.path)!.length }));
  next.set('manifest.json', json(m));
  next.set('manifest.sig', Buffer.from(signBase64(privateKeyFromPem(d.devicePem), manifestSigningBytes(m)) + '\n'));
  return next;
}

describe('disclosure pack', () => {
  it('exports a finished run and verifies OK (in process and with the standalone script)', async () => {
    const { out, res, files } = await exported();
    const names = [...files.keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        'manifest.json',
        'manifest.sig',
        'receipt.json',
        'receipt.sig',
        'policy/decisions.json',
        'policy/bundles.sha256',
        'audit/proofs.json',
      ]),
    );
    expect(names.some((n) => n.startsWith('cards/'))).toBe(true);
    expect(names.some((n) => n.startsWith('logs/exec_'))).toBe(true);
    expect(res.countersigned).toBe(true);
    const r = await verifyPack(out);
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ ok: true, countersigned: true });
    expect(r.receipts).toBeGreaterThan(0);
    expect(r.proofs).toBeGreaterThan(5);
    const text = execFileSync(process.execPath, [scriptPath, out], { encoding: 'utf8' });
    expect(text).toMatch(/OK: the pack verifies/);
  });

  it('redacts contract PII unless a reviewer asks for it; records it in the manifest', async () => {
    const a = await exported();
    const rec = [...a.files.keys()].find((k) => k.startsWith('records/'))!;
    const data = JSON.parse(a.files.get(rec)!.toString()) as { data: { submittedBy: { name: string } } };
    expect(data.data.submittedBy.name).toMatch(/^sha256:[0-9a-f]{64}$/);
    const m = JSON.parse(a.files.get('manifest.json')!.toString()) as PackManifest;
    expect(m.pii).toMatchObject({ included: false, fields: [{ file: rec, pointers: ['/submittedBy/name'] }] });
    const field = await exported({ includePii: true, role: 'field' });
    const fieldRec = [...field.files.keys()].find((k) => k.startsWith('records/'))!;
    expect((JSON.parse(field.files.get(fieldRec)!.toString()) as typeof data).data.submittedBy.name).toMatch(/^sha256:/);
    const rev = await exported({ includePii: true, role: 'reviewer' });
    const revRec = [...rev.files.keys()].find((k) => k.startsWith('records/'))!;
    expect((JSON.parse(rev.files.get(revRec)!.toString()) as typeof data).data.submittedBy.name).toBe('Ada Field');
    expect((await verifyPack(rev.out)).ok).toBe(true);
  });

  it("includes the run's SBOM artifact and the sealed bundles in force", async () => {
    const d = await packDevice();
    open.push(d);
    const bom = { bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, metadata: { component: { type: 'application', name: 'bundle' } }, components: [] };
    d.s.evidence.addArtifact(d.runIds[0]!, { name: 'bom.json', dataBase64: Buffer.from(JSON.stringify(bom)).toString('base64') }, d.s.profile.actor());
    const out = join(tempDir(), 'pack.tgz');
    await exportPack(d.s, d.runIds[0]!, { out });
    const { files } = await readPack(readFileSync(out));
    expect(JSON.parse(files.get('sbom.json')!.toString())).toEqual(bom);
    expect(files.get('policy/bundles.sha256')!.toString()).toMatch(/^[0-9a-f]{64} {2}maestro\.policy@\S+ \(policy\)$/m);
    expect((await verifyPack(out)).ok).toBe(true);
  });

  it('without a countersigned tree head the proofs say countersigned: false and still verify', async () => {
    const { out, files } = await exported({ countersign: false });
    expect(JSON.parse(files.get('audit/proofs.json')!.toString())).toMatchObject({ countersigned: false });
    expect((await verifyPack(out)).ok).toBe(true);
  });

  it('every single-byte change in any file fails verification naming the file', async () => {
    const { files } = await exported();
    let variants = 0;
    for (const [name, b] of files) {
      // Every byte of small files; 150 spread positions (first and last included) of larger ones.
      const step = Math.max(1, Math.floor(b.length / 150));
      for (let i = 0; i < b.length; i += step) {
        for (const pos of i + step >= b.length ? [i, b.length - 1] : [i]) {
          const t = Buffer.from(b);
          t[pos] = t[pos]! ^ 0x01;
          const next = new Map(files).set(name, t);
          const r = await verifyBoth(next);
          variants += 1;
          if (r.ok) throw new Error(`byte ${pos} of ${name} changed and the pack still verifies`);
          expect(r.failures.some((f) => f.file === name || (name === 'manifest.json' && f.file === 'manifest.sig'))).toBe(true);
        }
      }
    }
    expect(variants).toBeGreaterThan(1000);
  }, 60_000);

  it('a removed file, an added file, a reordered proof path, a swapped receipt: each fails with its reason', async () => {
    const { d, files } = await exported({ runs: 2 });
    const expectCode = async (f: Map<string, Buffer>, code: FailureCode, file?: string) => {
      const r = await verifyBoth(f);
      expect(r.ok).toBe(false);
      expect(r.failures).toEqual(expect.arrayContaining([expect.objectContaining({ code, ...(file ? { file } : {}) })]));
    };
    // Removed.
    for (const name of files.keys()) {
      const next = new Map(files);
      next.delete(name);
      await expectCode(next, name === 'manifest.json' ? 'MANIFEST_INVALID' : name === 'manifest.sig' ? 'MANIFEST_SIGNATURE' : 'MISSING_FILE', name);
    }
    // Added.
    await expectCode(new Map(files).set('cards/extra.json', Buffer.from('{}\n')), 'EXTRA_FILE', 'cards/extra.json');
    // Reordered proof path (manifest resealed, so only the proof check can catch it).
    const pf = JSON.parse(files.get('audit/proofs.json')!.toString()) as ProofsFile;
    const i = pf.proofs.findIndex((p) => p.path.length >= 2);
    pf.proofs[i]!.path = [pf.proofs[i]!.path[1]!, pf.proofs[i]!.path[0]!, ...pf.proofs[i]!.path.slice(2)];
    await expectCode(resealed(d, files, { 'audit/proofs.json': json(pf) }), 'PROOF_INVALID', 'audit/proofs.json');
    expect((await verifyBoth(files)).failures).toEqual([]);
    // Another root than the countersigned one.
    const pf2 = JSON.parse(files.get('audit/proofs.json')!.toString()) as ProofsFile;
    pf2.root = '00'.repeat(32);
    await expectCode(resealed(d, files, { 'audit/proofs.json': json(pf2) }), 'CHECKPOINT_MISMATCH');
    // Swapped receipt: the other run's receipt (validly signed by the server) filed under this run's item.
    const other = JSON.parse(
      d.s.db.prepare('SELECT receipt FROM outbox WHERE receipt IS NOT NULL ORDER BY created_at DESC LIMIT 1').pluck().get() as string,
    ) as { receipt: ReceiptsFile['receipts'][0]['receipt']; signature: string };
    const rf = JSON.parse(files.get('receipt.json')!.toString()) as ReceiptsFile;
    expect(rf.receipts[0]!.receipt.receiptId).not.toBe(other.receipt.receiptId);
    rf.receipts[0]!.receipt = other.receipt;
    await expectCode(
      resealed(d, files, { 'receipt.json': json(rf), 'receipt.sig': json({ [other.receipt.receiptId]: other.signature }) }),
      'RECEIPT_MISMATCH',
      'receipt.json',
    );
    // A receipt body changed under its signature.
    const rf2 = JSON.parse(files.get('receipt.json')!.toString()) as ReceiptsFile;
    rf2.receipts[0]!.receipt.serverSeq += 1;
    await expectCode(resealed(d, files, { 'receipt.json': json(rf2) }), 'RECEIPT_SIGNATURE', 'receipt.sig');
    // A log line altered (entry hash no longer matches its content).
    const logName = [...files.keys()].find((k) => k.startsWith('logs/'))!;
    const log = files.get(logName)!.toString().replace('"actor":"', '"actor":"x');
    await expectCode(resealed(d, files, { [logName]: Buffer.from(log) }), 'ENTRY_HASH', logName);
  });

  it('the standalone script exits non-zero naming the failing file', async () => {
    const { out, files } = await exported();
    const dir = tempDir();
    const names = [...files.keys()].sort();
    const card = names.find((n) => n.startsWith('cards/'))!;
    for (const n of names) {
      mkdirSync(dirname(join(dir, n)), { recursive: true });
      writeFileSync(join(dir, n), n === card ? Buffer.concat([files.get(n)!, Buffer.from(' ')]) : files.get(n)!);
    }
    const bad = join(tempDir(), 'bad.tgz');
    await tarCreate({ gzip: true, file: bad, cwd: dir, portable: true }, names);
    let status = 0;
    let stdout = '';
    try {
      execFileSync(process.execPath, [scriptPath, bad], { encoding: 'utf8' });
    } catch (e) {
      status = (e as { status: number }).status;
      stdout = (e as { stdout: string }).stdout;
    }
    expect(status).not.toBe(0);
    expect(stdout).toMatch(new RegExp(`FAIL (HASH|SIZE)_MISMATCH ${card}`));
    expect(out).toBeTruthy();
  });

  it('a path that is a FIFO, a device, a folder or a gzip bomb is refused without holding the app', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'pack.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const p of [fifo, '/dev/zero', dir]) {
      const r = await verifyPack(p);
      expect([r.ok, r.failures[0]?.code]).toEqual([false, 'UNREADABLE']);
      expect(r.failures[0]?.message).toMatch(/not a file/);
    }
    // 600 MiB of zeros gzip to ~600 KiB: reading stops at the unpacked cap, with a failure, not an out-of-memory.
    const bomb = join(dir, 'bomb.tgz');
    const zeros = join(dir, 'zeros.bin');
    writeFileSync(zeros, '');
    truncateSync(zeros, PACK_MAX_UNPACKED_BYTES + 64 * 1024 * 1024);
    await tarCreate({ gzip: true, file: bomb, cwd: dir, portable: true }, ['zeros.bin']);
    const r = await verifyPack(bomb);
    expect([r.ok, r.failures[0]?.code]).toEqual([false, 'UNREADABLE']);
    expect(r.failures[0]?.message).toMatch(/unpacks to more than/);
  }, 60_000);
});
