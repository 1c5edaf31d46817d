// A disclosure pack whose receipts were signed by two server keys (a rotation between them): it
// carries the key chain, and both verifiers (the app's and scripts/verify-pack.mjs) accept it; a
// chain that is not signed by its predecessor is refused by both.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { canonicalJson } from '../../../../shared/canonical';
import { keyIdOf, privateKeyFromPem, rawPublicKey, signBase64 } from '../../../../platform/ed25519';
import { receiptSigningBytes, type SignedReceipt } from '../../../../shared/sync/protocol';
import { serverKeyFrom } from '../../../../server/crypto/server-key';
import { signServerKeyStatement } from '../../../../server/crypto/rotate';
import { learnServerKeys, seedServerKeys } from '../../../platform/device/server-keys';
import { tempDir } from '../../../platform/test-utils';
import { exportPack } from './export';
import { manifestSigningBytes, type PackManifest, type ReceiptsFile } from './format';
import { readPack, verifyPack, verifyPackFiles } from './verify';
import { packDevice, type PackDevice } from './test-helpers';

const open: PackDevice[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.s.close();
});
const HOUR = 3_600_000;
const scriptPath = join(process.cwd(), 'scripts/verify-pack.mjs');
const json = (v: unknown) => Buffer.from(canonicalJson(v) + '\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A device pinned to key 1 that learned key 2; its run's receipt is signed by key 2 (its checkpoint by key 1). */
async function twoKeyDevice() {
  const d = await packDevice({ runs: 1 });
  open.push(d);
  const { db } = d.s;
  const k1 = serverKeyFrom(d.server.privateKey);
  const k2 = serverKeyFrom(generateKeyPairSync('ed25519').privateKey);
  const now = d.s.clock.now();
  expect(keyIdOf(rawPublicKey(d.server.privateKey))).toBe(k1.keyId);
  db.prepare('UPDATE sync_config SET server_key_id = ? WHERE singleton = 1').run(k1.keyId);
  seedServerKeys(db, k1.keyId, k1.publicKey, now.toISOString());
  const st = signServerKeyStatement(k1, k2, 2, {
    validFrom: new Date(now.getTime() - HOUR),
    previousValidUntil: new Date(now.getTime() + HOUR),
    issuedAt: now,
  });
  expect(learnServerKeys(db, [st], now.toISOString())).toMatchObject({ ok: true, learned: 1 });
  const rows = db.prepare('SELECT id, receipt FROM outbox WHERE receipt IS NOT NULL').all() as { id: string; receipt: string }[];
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    const body = { ...(JSON.parse(r.receipt) as SignedReceipt).receipt, serverKeyId: k2.keyId };
    db.prepare('UPDATE outbox SET receipt = ? WHERE id = ?').run(JSON.stringify({ receipt: body, signature: k2.sign(receiptSigningBytes(body)) }), r.id);
  }
  return { d, key1: k1.keyId, key2: k2.keyId, k1 };
}

/** Files changed, re-listed in the manifest and re-signed with the device key. */
function resealed(d: PackDevice, files: Map<string, Buffer>, changes: Record<string, Buffer>): Map<string, Buffer> {
  const next = new Map(files);
  for (const [k, v] of Object.entries(changes)) next.set(k, v);
  const m = JSON.parse(next.get('manifest.json')!.toString()) as PackManifest;
  m.files = m.files.map((f) => ({ ...f, sha256: sha(next.get(f.path)!), size: next.get(f.path)!.length }));
  next.set('manifest.json', json(m));
  next.set('manifest.sig', Buffer.from(signBase64(privateKeyFromPem(d.devicePem), manifestSigningBytes(m)) + '\n'));
  return next;
}

type Standalone = { verifyFiles: (f: Map<string, Buffer>) => { failures: { file: string; code: string }[] } };
/** Failures as `CODE file`, from the app's verifier and from the standalone script (which must agree). */
async function failuresOf(files: Map<string, Buffer>): Promise<string[]> {
  const app = verifyPackFiles(files).failures.map((f) => `${f.code} ${f.file}`);
  const script = ((await import(pathToFileURL(scriptPath).href)) as Standalone).verifyFiles(files).failures.map((f) => `${f.code} ${f.file}`);
  expect(script).toEqual(app);
  return app;
}

describe('a pack with receipts from two server keys', () => {
  it('carries the chain and verifies in process and with scripts/verify-pack.mjs; a chain not signed by its predecessor fails', async () => {
    const { d, key1, key2, k1 } = await twoKeyDevice();
    const out = join(tempDir(), 'pack.tgz');
    await exportPack(d.s, d.runIds[0]!, { out });
    const { files } = await readPack(readFileSync(out));
    const rf = JSON.parse(files.get('receipt.json')!.toString()) as ReceiptsFile;
    expect(rf.serverKeyId).toBe(key1);
    expect(new Set(rf.receipts.map((r) => r.receipt.serverKeyId))).toEqual(new Set([key2]));
    expect(rf.serverKeys?.statements).toHaveLength(1);
    const r = await verifyPack(out);
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ ok: true, countersigned: true, receipts: rf.receipts.length });
    expect(execFileSync(process.execPath, [scriptPath, out], { encoding: 'utf8' })).toMatch(/OK: the pack verifies/);

    // The same item's receipt from before the rotation (key 1) beside it: receipts of both keys verify.
    const sigs = JSON.parse(files.get('receipt.sig')!.toString()) as Record<string, string>;
    const older = { ...rf.receipts[0]!, receipt: { ...rf.receipts[0]!.receipt, receiptId: 'rcpt_key1', serverKeyId: key1 } };
    const both = resealed(d, files, {
      'receipt.json': json({ ...rf, receipts: [older, ...rf.receipts] }),
      'receipt.sig': json({ ...sigs, rcpt_key1: k1.sign(receiptSigningBytes(older.receipt)) }),
    });
    expect(await failuresOf(both)).toEqual([]);

    // A chain whose link is not signed by key 1: both verifiers refuse it and the key-2 receipt.
    const link = rf.serverKeys!.statements[0]!;
    const bad: ReceiptsFile = { ...rf, serverKeys: { ...rf.serverKeys!, statements: [{ ...link, sigPrev: link.sigNew }] } };
    const app = await failuresOf(resealed(d, files, { 'receipt.json': json(bad) }));
    expect(app).toContain('SERVER_KEYS receipt.json');
    expect(app).toContain('RECEIPT_SIGNATURE receipt.sig');
  });
});
