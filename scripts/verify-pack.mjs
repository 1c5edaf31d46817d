#!/usr/bin/env node
// Standalone verifier of a Maestro disclosure pack: node verify-pack.mjs pack.tgz
// Needs only Node (>= 20) and the `tar` package; no Maestro database or code. Checks: every file's
// SHA-256 and size against manifest.json, the manifest's Ed25519 signature (device key it names), no
// missing or extra files, each receipt's server signature and that it speaks of its item, that each
// log entry's hash is its content's, each RFC 9162 inclusion proof against the root, and that the
// root is the server-countersigned tree head when the pack says so. Exit 0 = OK, 1 = failed.
// Mirrors src/main/features/evidence/pack/verify.ts (the app's own copy); keep both in step.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Parser } from 'tar';

const sha256 = (b) => createHash('sha256').update(b).digest();
const hex = (b) => Buffer.from(b).toString('hex');
/** RFC 8785 for the JSON packs hold (strings, safe integers, booleans, null, arrays, objects). */
const canon = (v) =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(canon).join(',')}]`
      : `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canon(v[k])}`)
          .join(',')}}`;
/** Bytes of canonical base64 (what encoders write), or null: decoders ignore stray padding and unused bits. */
const canonical64 = (text) => {
  const b = Buffer.from(String(text), 'base64');
  return b.toString('base64') === String(text) ? b : null;
};
// Strict, as the app's verifier (src/platform/ed25519.ts): a 32-byte key and a 64-byte signature, each in canonical base64.
const pub = (raw) => {
  const key = canonical64(raw);
  if (key === null || key.length !== 32) throw new RangeError('Ed25519 public key must be 32 bytes of canonical base64');
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key]), format: 'der', type: 'spki' });
};
const keyIdOf = (raw) => {
  const b = canonical64(raw);
  return b && b.length === 32 ? hex(sha256(b)).slice(0, 16) : null;
};
const SKEW_MS = 5 * 60 * 1000;
/** Whether an object dated `at` may carry a signature of the key of window `w` (± 5 minutes). */
const inWindow = (w, at) => {
  const t = Date.parse(at);
  if (!Number.isFinite(t)) return false;
  if (w.validFrom !== null && t < Date.parse(w.validFrom) - SKEW_MS) return false;
  return !(w.validUntil !== null && t > Date.parse(w.validUntil) + SKEW_MS);
};
/** One statement of the server key chain after `prev`: names it, is signed by it and by the new key (src/platform/server-key-chain.ts). */
const linkOk = (st, prev) => {
  const s = st?.statement;
  if (!s || s.type !== 'maestro.server-key.v1' || s.previousKeyId !== prev.keyId || s.previousPublicKey !== prev.publicKey || s.seq !== prev.seq + 1)
    return false;
  if (keyIdOf(s.publicKey) !== s.keyId || keyIdOf(s.previousPublicKey) !== s.previousKeyId) return false;
  if (prev.validFrom !== null && !(Date.parse(s.validFrom) > Date.parse(prev.validFrom))) return false;
  if (!(Date.parse(s.previousValidUntil) >= Date.parse(s.validFrom))) return false;
  return sigOk(canon(s), st.sigPrev, s.previousPublicKey) && sigOk(canon(s), st.sigNew, s.publicKey);
};
/** The server keys the receipts may name: the pack's chain anchored on the pinned key, else that key alone. */
function packKeys(rf, fail) {
  if (!rf.serverKeyId || !rf.serverPublicKey) return new Map();
  const pinned = { keyId: rf.serverKeyId, publicKey: rf.serverPublicKey, seq: 1, validFrom: null, validUntil: null };
  const alone = new Map([[pinned.keyId, pinned]]);
  const statements = rf.serverKeys?.statements;
  if (!Array.isArray(statements) || statements.length === 0) return alone;
  const first = statements[0].statement ?? {};
  const windows = [{ keyId: first.previousKeyId, publicKey: first.previousPublicKey, seq: 1, validFrom: null, validUntil: null }];
  for (const st of statements) {
    const prev = windows[windows.length - 1];
    if (!linkOk(st, prev)) {
      fail('receipt.json', 'SERVER_KEYS', `the server key chain does not verify at statement ${prev.seq + 1}`);
      return alone;
    }
    prev.validUntil = st.statement.previousValidUntil;
    windows.push({ keyId: st.statement.keyId, publicKey: st.statement.publicKey, seq: st.statement.seq, validFrom: st.statement.validFrom, validUntil: null });
  }
  if (!windows.some((w) => w.keyId === pinned.keyId && w.publicKey === pinned.publicKey)) {
    fail('receipt.json', 'SERVER_KEYS', 'the server key chain does not contain the pinned key');
    return alone;
  }
  return new Map(windows.map((w) => [w.keyId, w]));
}
const sigOk = (text, sig, raw) => {
  const s = canonical64(sig);
  if (s === null || s.length !== 64) return false;
  try {
    return verify(null, Buffer.from(text, 'utf8'), pub(raw), s);
  } catch {
    return false;
  }
};
const parse = (b) => {
  try {
    return b ? JSON.parse(b.toString('utf8')) : null;
  } catch {
    return null;
  }
};
const node = (l, r) => sha256(Buffer.concat([Buffer.from([1]), l, r]));
/** RFC 9162 §2.1.3.2. */
function inclusionOk(entryHashHex, index, size, path, rootHex) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size || !Array.isArray(path)) return false;
  if (!path.every((p) => /^[0-9a-f]{64}$/.test(p)) || !/^[0-9a-f]{64}$/.test(entryHashHex)) return false;
  let fn = index;
  let sn = size - 1;
  let r = sha256(Buffer.concat([Buffer.from([0]), Buffer.from(entryHashHex, 'hex')]));
  for (const p of path.map((x) => Buffer.from(x, 'hex'))) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else r = node(r, p);
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 && hex(r) === rootHex;
}

export async function readPack(buf) {
  const files = new Map();
  const bad = [];
  await new Promise((resolve, reject) => {
    const p = new Parser({
      strict: true,
      onReadEntry: (e) => {
        const path = e.path.replace(/^\.\//, '');
        if (e.type !== 'File' || files.has(path)) return (bad.push(path), e.resume());
        const chunks = [];
        e.on('data', (c) => chunks.push(c));
        e.on('end', () => files.set(path, Buffer.concat(chunks)));
      },
    });
    p.on('end', resolve);
    p.on('error', reject);
    p.end(buf);
  });
  return { files, bad };
}

export function verifyFiles(files, bad = []) {
  const failures = bad.map((f) => ({ file: f, code: 'EXTRA_FILE', message: 'duplicate entry or not a plain file' }));
  const fail = (file, code, message) => failures.push({ file, code, message });
  const m = parse(files.get('manifest.json'));
  const out = { runId: m?.runId ?? null, deviceId: m?.deviceId ?? null, files: files.size, receipts: 0, proofs: 0, countersigned: false, failures };
  if (!m || m.format !== 'maestro.pack.v1' || !Array.isArray(m.files)) {
    fail('manifest.json', 'MANIFEST_INVALID', files.has('manifest.json') ? 'not a pack manifest' : 'manifest.json is missing');
    return out;
  }
  // Exactly `<canonical base64>\n`: base64 decoders ignore stray padding and unused bits.
  const sigText = (files.get('manifest.sig') ?? Buffer.alloc(0)).toString('utf8');
  const msig = sigText.slice(0, -1);
  if (
    !sigText.endsWith('\n') ||
    Buffer.from(msig, 'base64').toString('base64') !== msig ||
    !sigOk(canon({ type: 'maestro.pack.manifest.v1', manifest: m }), msig, m.devicePublicKey)
  )
    fail('manifest.sig', 'MANIFEST_SIGNATURE', 'the manifest signature does not verify with the device key it names');
  if (canon(m) + '\n' !== files.get('manifest.json').toString('utf8')) fail('manifest.json', 'MANIFEST_INVALID', 'manifest.json is not in canonical form');
  const listed = new Map(m.files.map((f) => [f.path, f]));
  for (const [path, f] of listed) {
    const b = files.get(path);
    if (!b) fail(path, 'MISSING_FILE', 'listed in the manifest but missing');
    else if (b.length !== f.size) fail(path, 'SIZE_MISMATCH', `${b.length} bytes, the manifest says ${f.size}`);
    else if (hex(sha256(b)) !== f.sha256) fail(path, 'HASH_MISMATCH', 'SHA-256 differs from the manifest');
  }
  for (const path of files.keys())
    if (path !== 'manifest.json' && path !== 'manifest.sig' && !listed.has(path)) fail(path, 'EXTRA_FILE', 'not in the manifest');

  const rf = parse(files.get('receipt.json'));
  const sigs = parse(files.get('receipt.sig')) ?? {};
  const keys = rf ? packKeys(rf, fail) : new Map();
  for (const [i, r] of (Array.isArray(rf?.receipts) ? rf.receipts : []).entries()) {
    out.receipts += 1;
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
    const w = keys.get(r.receipt?.serverKeyId);
    if (!w || !inWindow(w, r.receipt.receivedAt) || !sigOk(canon({ type: 'maestro.receipt.v1', ...r.receipt }), sigs[id] ?? '', w.publicKey))
      fail('receipt.sig', 'RECEIPT_SIGNATURE', `receipt ${id}: server signature does not verify`);
  }

  const pf = parse(files.get('audit/proofs.json'));
  const known = new Map();
  const entriesOf = (file) => {
    if (known.has(file)) return known.get(file);
    const set = new Set();
    const b = files.get(file);
    if (b && file.startsWith('logs/')) {
      for (const line of b.toString('utf8').split('\n')) {
        const e = line ? parse(Buffer.from(line)) : null;
        if (!e) continue;
        const body = { action: e.action, actor: e.actor, payload: e.payload, prevHash: e.prevHash, seq: e.seq, subject: e.subject, ts: e.ts };
        if (hex(sha256(canon(body))) === e.hash) set.add(`${e.seq}:${e.hash}`);
      }
    } else if (b && file.startsWith('cards/')) {
      const c = parse(b);
      if (c?.auditHash) set.add(`*:${c.auditHash}`);
    }
    known.set(file, set);
    return set;
  };
  for (const [i, p] of (Array.isArray(pf?.proofs) ? pf.proofs : []).entries()) {
    out.proofs += 1;
    if (!p || typeof p.file !== 'string' || typeof p.entryHash !== 'string' || !Array.isArray(p.path)) {
      fail('audit/proofs.json', 'PROOF_INVALID', `audit/proofs.json#${i}: malformed proof`);
      continue;
    }
    const where = `audit/proofs.json#${i} (${p.file} seq ${p.seq})`;
    const set = entriesOf(p.file);
    if (!set.has(`${p.seq}:${p.entryHash}`) && !set.has(`*:${p.entryHash}`))
      fail(p.file, 'ENTRY_HASH', `${where}: entry is not the hash of an entry in ${p.file}`);
    if (!inclusionOk(p.entryHash, p.seq - 1, pf.treeSize, p.path, pf.root))
      fail('audit/proofs.json', 'PROOF_INVALID', `${where}: inclusion proof does not lead to the root`);
  }
  if (pf?.countersigned) {
    const c = pf.checkpoint;
    if (
      !c ||
      typeof c.checkpoint !== 'object' ||
      !pf.serverPublicKey ||
      !sigOk(canon({ type: 'maestro.checkpoint.v1', ...c.checkpoint }), c.signature, pf.serverPublicKey)
    )
      fail('audit/proofs.json', 'CHECKPOINT_SIGNATURE', 'the countersigned checkpoint does not verify with the server key');
    else if (c.checkpoint.treeSize !== pf.treeSize || c.checkpoint.treeRoot !== pf.root)
      fail('audit/proofs.json', 'CHECKPOINT_MISMATCH', 'the proofs root is not the countersigned tree head');
    else out.countersigned = true;
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop())) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node verify-pack.mjs pack.tgz\n');
    process.exit(2);
  }
  let r;
  try {
    // Only a regular file: a pipe or a device would block or never end.
    if (!statSync(file).isFile()) throw new Error(`${file} is not a file`);
    const { files, bad } = await readPack(readFileSync(file));
    r = verifyFiles(files, bad);
  } catch (e) {
    r = {
      runId: null,
      deviceId: null,
      files: 0,
      receipts: 0,
      proofs: 0,
      countersigned: false,
      failures: [{ file, code: 'UNREADABLE', message: `not a readable .tar.gz: ${e.message}` }],
    };
  }
  const lines = [
    `Run ${r.runId ?? '?'} from device ${r.deviceId ?? '?'}: ${r.files} files, ${r.receipts} receipts, ${r.proofs} proofs, ${r.countersigned ? 'root countersigned by the server' : 'root not countersigned'}`,
    ...r.failures.map((f) => `FAIL ${f.code} ${f.file}: ${f.message}`),
    r.failures.length ? `FAILED: ${r.failures.length} problem(s)` : 'OK: the pack verifies',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  process.exit(r.failures.length ? 1 : 0);
}
