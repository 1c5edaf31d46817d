// Offline verification of a disclosure pack (./format.ts). scripts/verify-pack.mjs is the
// standalone twin an auditor runs (node builtins + tar only); both must agree (pack.test.ts).
import { createHash } from 'node:crypto';
import { FileRefused, readRegularFile } from '../../../platform/util/regular-file';
import type { ReadEntry } from 'tar';
import { canonicalJson } from '../../../../shared/canonical';
import { fromHex, verifyInclusion } from '../../../../shared/merkle';
import { auditEntryCanonicalOf } from '../../../../shared/audit-hash';
import { checkpointSigningBytes, type ReceiptBody, type SignedCheckpoint } from '../../../../shared/sync/protocol';
import { windowAllows, type ServerKeyWindow } from '../../../../shared/sync/server-keys';
import { verifyServerKeyChain } from '../../../../platform/server-key-chain';
import { merkleHasher } from '../../../platform/audit/merkle';
import { publicKeyFromRaw, verifyBase64 } from '../../../../platform/ed25519';
import { manifestSigningBytes, PACK_FORMAT, type PackManifest, type ProofsFile, type ReceiptsFile } from './format';

export type FailureCode =
  | 'UNREADABLE'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_SIGNATURE'
  | 'MISSING_FILE'
  | 'EXTRA_FILE'
  | 'HASH_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'RECEIPT_SIGNATURE'
  | 'RECEIPT_MISMATCH'
  | 'ENTRY_HASH'
  | 'PROOF_INVALID'
  | 'CHECKPOINT_SIGNATURE'
  | 'CHECKPOINT_MISMATCH'
  | 'SERVER_KEYS';

export interface Failure {
  file: string;
  code: FailureCode;
  message: string;
}

export interface PackReport {
  ok: boolean;
  runId: string | null;
  deviceId: string | null;
  files: number;
  receipts: number;
  proofs: number;
  countersigned: boolean;
  failures: Failure[];
}

/** The files of a .tar.gz, by path; duplicates and non-files are reported under `bad`. */
/** A pack is one run's JSON: far below these. They bound what a hostile file can make this process hold. */
export const PACK_MAX_BYTES = 256 * 1024 * 1024;
export const PACK_MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

export async function readPack(buf: Buffer): Promise<{ files: Map<string, Buffer>; bad: string[] }> {
  const files = new Map<string, Buffer>();
  const bad: string[] = [];
  let unpacked = 0;
  const { Parser } = await import('tar'); // loaded when used: no start-up pays for it
  await new Promise<void>((resolve, reject) => {
    const p = new Parser({
      strict: true,
      onReadEntry: (e: ReadEntry) => {
        const path = e.path.replace(/^\.\//, '');
        if (e.type !== 'File' || files.has(path)) {
          bad.push(path);
          e.resume();
          return;
        }
        const chunks: Buffer[] = [];
        e.on('data', (c: Buffer) => {
          // A gzip bomb: stop at the cap instead of holding what it expands to.
          if ((unpacked += c.length) > PACK_MAX_UNPACKED_BYTES)
            p.abort(new Error(`the pack unpacks to more than ${PACK_MAX_UNPACKED_BYTES / 1024 / 1024} MiB`));
          else chunks.push(c);
        });
        e.on('end', () => files.set(path, Buffer.concat(chunks)));
      },
    });
    p.on('end', () => resolve());
    p.on('error', reject);
    p.end(buf);
  });
  return { files, bad };
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const parse = <T>(b: Buffer | undefined): T | null => {
  if (!b) return null;
  try {
    return JSON.parse(b.toString('utf8')) as T;
  } catch {
    return null;
  }
};

type Fail = (file: string, code: FailureCode, message: string) => void;

/** The manifest's signature, canonical form and file list against the files. */
function checkManifest(files: Map<string, Buffer>, m: PackManifest, fail: Fail): void {
  let sigOk = false;
  try {
    // Exactly `<canonical base64>\n`: base64 decoders ignore stray padding and unused bits.
    const text = (files.get('manifest.sig') ?? Buffer.alloc(0)).toString('utf8');
    const sig = text.slice(0, -1);
    sigOk =
      text.endsWith('\n') &&
      Buffer.from(sig, 'base64').toString('base64') === sig &&
      verifyBase64(publicKeyFromRaw(m.devicePublicKey), manifestSigningBytes(m), sig);
  } catch {
    sigOk = false;
  }
  if (!sigOk) fail('manifest.sig', 'MANIFEST_SIGNATURE', 'the manifest signature does not verify with the device key it names');
  if (canonicalJson(m) + '\n' !== files.get('manifest.json')!.toString('utf8'))
    fail('manifest.json', 'MANIFEST_INVALID', 'manifest.json is not in canonical form');

  const listed = new Map(m.files.map((f) => [f.path, f]));
  for (const [path, f] of listed) {
    const b = files.get(path);
    if (!b) fail(path, 'MISSING_FILE', `${path} is listed in the manifest but missing`);
    else if (b.length !== f.size) fail(path, 'SIZE_MISMATCH', `${path} has ${b.length} bytes, the manifest says ${f.size}`);
    else if (sha256(b) !== f.sha256) fail(path, 'HASH_MISMATCH', `${path}: SHA-256 differs from the manifest`);
  }
  for (const path of files.keys()) {
    if (path !== 'manifest.json' && path !== 'manifest.sig' && !listed.has(path)) fail(path, 'EXTRA_FILE', `${path} is not in the manifest`);
  }
}

/**
 * The server keys the pack's receipts may name: the chain it carries (key rotation), checked link by
 * link and anchored on the key the device pinned, or that key alone.
 */
function packKeys(rf: ReceiptsFile, fail: Fail): Map<string, ServerKeyWindow> {
  const pinned = rf.serverKeyId && rf.serverPublicKey ? { keyId: rf.serverKeyId, publicKey: rf.serverPublicKey } : null;
  if (!pinned) return new Map();
  const alone = new Map([[pinned.keyId, { ...pinned, seq: 1, validFrom: null, validUntil: null }]]);
  if (!rf.serverKeys) return alone;
  const chain = Array.isArray(rf.serverKeys.statements) ? verifyServerKeyChain(pinned, rf.serverKeys.statements) : null;
  if (!chain?.ok) {
    fail('receipt.json', 'SERVER_KEYS', `the server key chain does not verify: ${chain?.reason ?? 'malformed'}`);
    return alone;
  }
  return new Map(chain.windows.map((w) => [w.keyId, w]));
}

/** Whether a receipt is signed by the key it names, inside that key's window. */
function receiptSigned(keys: Map<string, ServerKeyWindow>, r: ReceiptBody, sig: unknown): boolean {
  const w = keys.get(r.serverKeyId);
  if (!w || typeof sig !== 'string' || !windowAllows(w, r.receivedAt)) return false;
  try {
    return verifyBase64(publicKeyFromRaw(w.publicKey), canonicalJson({ type: 'maestro.receipt.v1', ...r }), sig);
  } catch {
    return false;
  }
}

/** Receipts: each signed by a server key of the pack's chain, each about the item it is filed under. Returns how many. */
function checkReceipts(files: Map<string, Buffer>, fail: Fail): number {
  const rf = parse<ReceiptsFile>(files.get('receipt.json'));
  const sigs = parse<Record<string, string>>(files.get('receipt.sig')) ?? {};
  let receipts = 0;
  if (!rf) return receipts;
  const keys = packKeys(rf, fail);
  for (const [i, r] of (Array.isArray(rf.receipts) ? rf.receipts : []).entries()) {
    receipts += 1;
    if (!r || typeof r.receipt !== 'object' || r.receipt === null) {
      fail('receipt.json', 'RECEIPT_MISMATCH', `receipt #${i} is malformed`);
      continue;
    }
    const id = r.receipt?.receiptId ?? `#${i}`;
    if (
      r.receipt?.idempotencyKey !== r.idempotencyKey ||
      (r.contentHash !== null && r.receipt?.contentHash !== r.contentHash) ||
      !keys.has(r.receipt?.serverKeyId)
    )
      fail('receipt.json', 'RECEIPT_MISMATCH', `receipt ${id} does not speak of outbox item ${r.outboxId}`);
    if (!receiptSigned(keys, r.receipt, sigs[id])) fail('receipt.sig', 'RECEIPT_SIGNATURE', `receipt ${id}: server signature does not verify`);
  }
  return receipts;
}

/** The audit entry hashes a file of the pack holds (`seq:hash` for log lines, `*:hash` for a card). */
function entryHashesOf(files: Map<string, Buffer>, file: string): Set<string> {
  const set = new Set<string>();
  const b = files.get(file);
  if (file.startsWith('logs/') && b) {
    for (const line of b.toString('utf8').split('\n')) {
      if (!line) continue;
      const e = parse<{ seq: number; ts: string; actor: string; action: string; subject: string; payload: unknown; prevHash: string; hash: string }>(
        Buffer.from(line),
      );
      try {
        if (e && sha256(auditEntryCanonicalOf(e.seq, e.ts, e.actor, e.action, e.subject, e.prevHash, canonicalJson(e.payload))) === e.hash)
          set.add(`${e.seq}:${e.hash}`);
      } catch {
        // not a well-formed entry: its hash is nobody's
      }
    }
  } else if (file.startsWith('cards/') && b) {
    const c = parse<{ auditHash?: string }>(b);
    if (c?.auditHash) set.add(`*:${c.auditHash}`);
  }
  return set;
}

/** Whether the countersigned checkpoint verifies and names the proofs' root. */
function checkCheckpoint(pf: ProofsFile, fail: Fail): boolean {
  const cp = pf.checkpoint as SignedCheckpoint | undefined;
  let cpOk = false;
  try {
    cpOk =
      !!cp &&
      typeof cp.checkpoint === 'object' &&
      !!pf.serverPublicKey &&
      verifyBase64(publicKeyFromRaw(pf.serverPublicKey), checkpointSigningBytes(cp.checkpoint), cp.signature);
  } catch {
    cpOk = false;
  }
  if (!cpOk) fail('audit/proofs.json', 'CHECKPOINT_SIGNATURE', 'the countersigned checkpoint does not verify with the server key');
  else if (cp!.checkpoint?.treeSize !== pf.treeSize || cp!.checkpoint.treeRoot !== pf.root)
    fail('audit/proofs.json', 'CHECKPOINT_MISMATCH', 'the proofs root is not the countersigned tree head');
  else return true;
  return false;
}

/** Proofs: the entry hash is that of the file's content, its path leads to the root, the root is countersigned. */
function checkProofs(files: Map<string, Buffer>, fail: Fail): { proofs: number; countersigned: boolean } {
  const pf = parse<ProofsFile>(files.get('audit/proofs.json'));
  let proofs = 0;
  if (!pf) return { proofs, countersigned: false };
  const h = merkleHasher();
  const entryHashes = new Map<string, Set<string>>();
  const hashesOf = (file: string): Set<string> => {
    let set = entryHashes.get(file);
    if (!set) entryHashes.set(file, (set = entryHashesOf(files, file)));
    return set;
  };
  let root: Uint8Array | null = null;
  try {
    root = fromHex(pf.root);
  } catch {
    root = null;
  }
  for (const [i, p] of (Array.isArray(pf.proofs) ? pf.proofs : []).entries()) {
    proofs += 1;
    if (!p || typeof p.file !== 'string' || typeof p.entryHash !== 'string' || !Array.isArray(p.path)) {
      fail('audit/proofs.json', 'PROOF_INVALID', `audit/proofs.json#${i}: malformed proof`);
      continue;
    }
    const where = `audit/proofs.json#${i} (${p.file} seq ${p.seq})`;
    const set = hashesOf(p.file);
    if (!set.has(`${p.seq}:${p.entryHash}`) && !set.has(`*:${p.entryHash}`))
      fail(p.file, 'ENTRY_HASH', `${where}: entry ${p.entryHash.slice(0, 12)}… is not the hash of an entry in ${p.file}`);
    let ok = false;
    try {
      ok = root !== null && verifyInclusion(h, h.leaf(fromHex(p.entryHash)), p.seq - 1, pf.treeSize, p.path.map(fromHex), root);
    } catch {
      ok = false;
    }
    if (!ok) fail('audit/proofs.json', 'PROOF_INVALID', `${where}: inclusion proof does not lead to root ${String(pf.root).slice(0, 12)}…`);
  }
  return { proofs, countersigned: pf.countersigned ? checkCheckpoint(pf, fail) : false };
}

export function verifyPackFiles(files: Map<string, Buffer>, bad: string[] = []): PackReport {
  const failures: Failure[] = bad.map((f) => ({ file: f, code: 'EXTRA_FILE', message: `${f}: duplicate entry or not a plain file` }));
  const fail: Fail = (file, code, message) => void failures.push({ file, code, message });
  const report = (m: PackManifest | null, receipts = 0, proofs = 0, countersigned = false): PackReport => ({
    ok: failures.length === 0,
    runId: m?.runId ?? null,
    deviceId: m?.deviceId ?? null,
    files: files.size,
    receipts,
    proofs,
    countersigned,
    failures,
  });

  const m = parse<PackManifest>(files.get('manifest.json'));
  if (!m || m.format !== PACK_FORMAT || !Array.isArray(m.files)) {
    fail('manifest.json', 'MANIFEST_INVALID', files.has('manifest.json') ? 'manifest.json is not a pack manifest' : 'manifest.json is missing');
    return report(null);
  }
  checkManifest(files, m, fail);
  const receipts = checkReceipts(files, fail);
  const { proofs, countersigned } = checkProofs(files, fail);
  return report(m, receipts, proofs, countersigned);
}

const EMPTY_REPORT: PackReport = { ok: false, runId: null, deviceId: null, files: 0, receipts: 0, proofs: 0, countersigned: false, failures: [] };

export async function verifyPack(path: string): Promise<PackReport> {
  let r: Awaited<ReturnType<typeof readPack>>;
  try {
    r = await readPack(await readRegularFile(path, PACK_MAX_BYTES));
  } catch (e) {
    if (e instanceof FileRefused) return { ...EMPTY_REPORT, failures: [{ file: path, code: 'UNREADABLE', message: e.message }] };
    return { ...EMPTY_REPORT, failures: [{ file: path, code: 'UNREADABLE', message: `not a readable .tar.gz: ${(e as Error).message}` }] };
  }
  return verifyPackFiles(r.files, r.bad);
}

export function formatReport(r: PackReport): string {
  const lines = [
    `Run ${r.runId ?? '?'} from device ${r.deviceId ?? '?'}: ${r.files} files, ${r.receipts} receipts, ${r.proofs} proofs, ${r.countersigned ? 'root countersigned by the server' : 'root not countersigned'}`,
    ...r.failures.map((f) => `FAIL ${f.code} ${f.file}: ${f.message}`),
    r.ok ? 'OK: the pack verifies' : `FAILED: ${r.failures.length} problem(s)`,
  ];
  return lines.join('\n');
}
