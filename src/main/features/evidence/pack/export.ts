// Disclosure pack of one run (issue 8): a .tar.gz an auditor verifies offline with
// scripts/verify-pack.mjs. Layout and checks: ./format.ts and ./verify.ts.
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create as tarCreate } from 'tar';
import type { Services } from '../../../app/services';
import type { Role } from '../../../../shared/api/types';
import { canonicalJson } from '../../../../shared/canonical';
import { MemoryTree, toHex } from '../../../../shared/merkle';
import { merkleHasher } from '../../../platform/audit/merkle';
import { DEVICE_KEY } from '../../sync/engine';
import { privateKeyFromPem, rawPublicKeyBase64, signBase64 } from '../../../../platform/ed25519';
import type { SignedCheckpoint, SignedReceipt } from '../../../../shared/sync/protocol';
import { PACK_FORMAT, manifestSigningBytes, type PackManifest, type ProofsFile, type ReceiptsFile } from './format';
import { sha256Hex as sha256 } from '../../../../platform/hash';

export interface ExportOptions {
  /** Path of the .tgz to write. */
  out: string;
  includePii?: boolean;
  /** Role of whoever asks; default the profile's. PII is included only for reviewer and admin. */
  role?: Role;
  onProgress?: (p: { phase: 'collect' | 'proofs' | 'write'; done: number; total: number }) => void;
}

export interface ExportResult {
  out: string;
  files: number;
  bytes: number;
  manifestSha256: string;
  piiIncluded: boolean;
  countersigned: boolean;
}

interface AuditRow {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

const jsonFile = (v: unknown): Buffer => Buffer.from(canonicalJson(v) + '\n', 'utf8');

/** Values at RFC 6901 pointers replaced by sha256(salt || canonical value); returns the pointers hit. */
function redact(data: unknown, pointers: readonly string[], salt: Buffer): string[] {
  const hit: string[] = [];
  for (const ptr of pointers) {
    const parts = ptr
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let cur: unknown = data;
    for (let i = 0; i < parts.length - 1 && cur !== null && typeof cur === 'object'; i++) cur = (cur as Record<string, unknown>)[parts[i]!];
    const last = parts[parts.length - 1]!;
    if (cur === null || typeof cur !== 'object' || !(last in cur)) continue;
    const obj = cur as Record<string, unknown>;
    obj[last] = `sha256:${createHash('sha256').update(salt).update(canonicalJson(obj[last])).digest('hex')}`;
    hit.push(ptr);
  }
  return hit;
}

function outputIds(output: string, key: 'outboxId' | 'recordId'): string[] {
  try {
    const o = JSON.parse(output) as Record<string, unknown> | null;
    const v = o && typeof o === 'object' ? o[key] : undefined;
    return typeof v === 'string' ? [v] : [];
  } catch {
    return [];
  }
}

export async function exportPack(s: Services, runId: string, opts: ExportOptions): Promise<ExportResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const run = s.runs.get(runId); // NOT_FOUND for an unknown run
  const cfg = s.sync.config();
  const profile = s.profile.get();
  const deviceId = cfg?.deviceId ?? profile?.deviceId;
  if (!deviceId) throw new Error('This device has no id: set up a profile or enroll first');
  const pem = await (await s.secrets()).get(`${DEVICE_KEY}:${deviceId}`);
  if (!pem) throw new Error(`The device signing key (${DEVICE_KEY}:${deviceId}) is missing: enroll this device first`);
  const key = privateKeyFromPem(pem);
  const devicePublicKey = rawPublicKeyBase64(createPublicKey(key));
  const role = opts.role ?? profile?.role ?? 'field';
  const piiIncluded = opts.includePii === true && (role === 'reviewer' || role === 'admin');
  const salt = randomBytes(32);

  const files = new Map<string, Buffer>();
  const steps = s.db.prepare('SELECT output FROM run_steps WHERE run_id = ? ORDER BY step_index').pluck().all(runId) as string[];

  // Receipts of the run's outbox items, as stored, with the server key they verify against.
  const outboxIds = steps.flatMap((o) => outputIds(o, 'outboxId'));
  const receipts: ReceiptsFile['receipts'] = [];
  const sigs: Record<string, string> = {};
  const outboxStmt = s.db.prepare('SELECT id, idempotency_key, content_hash, receipt FROM outbox WHERE id = ?');
  for (const id of outboxIds) {
    const r = outboxStmt.get(id) as { id: string; idempotency_key: string; content_hash: string | null; receipt: string | null } | undefined;
    if (!r?.receipt) continue;
    const sr = JSON.parse(r.receipt) as SignedReceipt;
    receipts.push({ outboxId: r.id, idempotencyKey: r.idempotency_key, contentHash: r.content_hash, receipt: sr.receipt });
    sigs[sr.receipt.receiptId] = sr.signature;
  }
  if (receipts.length) {
    const rf: ReceiptsFile = { serverKeyId: cfg?.serverKeyId ?? null, serverPublicKey: cfg?.serverPublicKey ?? null, receipts };
    files.set('receipt.json', jsonFile(rf));
    files.set('receipt.sig', jsonFile(sigs));
  }

  // Records the run submitted, PII redacted unless included.
  const piiFields: { file: string; pointers: string[] }[] = [];
  const recordStmt = s.db.prepare('SELECT id, contract, data, created_at FROM records WHERE id = ?');
  for (const id of steps.flatMap((o) => outputIds(o, 'recordId'))) {
    const r = recordStmt.get(id) as { id: string; contract: string; data: string; created_at: string } | undefined;
    if (!r) continue;
    const data = JSON.parse(r.data) as unknown;
    const name = `records/${r.id}.json`;
    if (!piiIncluded && s.contracts.has(r.contract)) {
      const hit = redact(data, s.contracts.get(r.contract).doc.pii, salt);
      if (hit.length) piiFields.push({ file: name, pointers: hit });
    }
    files.set(name, jsonFile({ id: r.id, contract: r.contract, createdAt: r.created_at, data }));
  }

  // SBOM artifact, if any.
  const sbom = s.evidence.listArtifacts(runId).find((a) => (a.docType === 'cyclonedx' || a.docType === 'spdx') && a.sha256);
  if (sbom?.sha256) files.set('sbom.json', s.capture.attachments.read(sbom.sha256).bytes);

  // Cards and their policy verdicts.
  const cards = s.runs.cards.forRun(runId);
  progress({ phase: 'collect', done: 0, total: cards.length });
  for (const c of cards) files.set(`cards/${c.id}.json`, jsonFile(c));
  files.set(
    'policy/decisions.json',
    jsonFile(
      cards.map((c) => ({
        cardId: c.id,
        kind: c.kind,
        stepId: c.stepId,
        status: c.status,
        lane: c.lane,
        laneReasons: c.laneReasons,
        policy: c.policy,
        invariants: c.invariants,
      })),
    ),
  );
  const bundles = s.bundles
    .report()
    .bundles.filter((b) => b.active)
    .map((b) => {
      const t = s.db.prepare('SELECT targets_sha256 FROM bundle_installs WHERE id = ?').pluck().get(b.id) as string | undefined;
      return `${t ?? '-'.repeat(64)}  ${b.name}@${b.version} (${b.kind})`;
    });
  files.set('policy/bundles.sha256', Buffer.from(bundles.sort().join('\n') + (bundles.length ? '\n' : ''), 'utf8'));

  // The run's audit entries.
  const logRows = s.db
    .prepare('SELECT seq, ts, actor, action, subject, payload, prev_hash, hash FROM audit_log WHERE subject = ? ORDER BY seq')
    .all(runId) as AuditRow[];
  const logName = `logs/exec_${runId}.ndjson`;
  files.set(
    logName,
    Buffer.from(
      logRows
        .map(
          (r) =>
            `{"seq":${r.seq},"ts":${JSON.stringify(r.ts)},"actor":${JSON.stringify(r.actor)},"action":${JSON.stringify(r.action)},"subject":${JSON.stringify(r.subject)},"payload":${r.payload},"prevHash":${JSON.stringify(r.prev_hash)},"hash":${JSON.stringify(r.hash)}}\n`,
        )
        .join(''),
      'utf8',
    ),
  );

  // Inclusion proofs in the audit Merkle tree (in memory from the entry hashes).
  const h = merkleHasher();
  const tree = new MemoryTree(h);
  const allHashes = s.db.prepare('SELECT hash FROM audit_log ORDER BY seq').pluck().all() as string[];
  const seqOf = new Map<string, number>();
  allHashes.forEach((x, i) => {
    tree.appendLeafHash(h.leaf(Buffer.from(x, 'hex')));
    seqOf.set(x, i + 1);
  });
  const wanted: { file: string; seq: number; entryHash: string }[] = [
    ...cards.flatMap((c) => (seqOf.has(c.auditHash) ? [{ file: `cards/${c.id}.json`, seq: seqOf.get(c.auditHash)!, entryHash: c.auditHash }] : [])),
    ...logRows.map((r) => ({ file: logName, seq: r.seq, entryHash: r.hash })),
  ];
  const maxSeq = wanted.reduce((m, w) => Math.max(m, w.seq), 0);
  let size = tree.size;
  let checkpoint: SignedCheckpoint | null = null;
  const cpText = s.db.prepare('SELECT checkpoint FROM audit_anchors ORDER BY seq DESC LIMIT 1').pluck().get() as string | undefined;
  if (cpText) {
    const cp = JSON.parse(cpText) as SignedCheckpoint;
    const { treeSize, treeRoot } = cp.checkpoint;
    if (
      typeof treeSize === 'number' &&
      typeof treeRoot === 'string' &&
      treeSize >= maxSeq &&
      treeSize <= tree.size &&
      toHex(tree.root(treeSize)) === treeRoot
    ) {
      checkpoint = cp;
      size = treeSize;
    }
  }
  const proofs: ProofsFile = {
    treeSize: size,
    root: toHex(tree.root(size)),
    countersigned: checkpoint !== null,
    ...(checkpoint ? { checkpoint, serverPublicKey: cfg?.serverPublicKey ?? null } : {}),
    proofs: wanted.map((w, i) => {
      if (i % 1000 === 0) progress({ phase: 'proofs', done: i, total: wanted.length });
      return { file: w.file, seq: w.seq, entryHash: w.entryHash, path: tree.inclusionProof(w.seq - 1, size).map(toHex) };
    }),
  };
  files.set('audit/proofs.json', jsonFile(proofs));

  const manifest: PackManifest = {
    format: PACK_FORMAT,
    runId,
    workflow: run.workflow,
    runStatus: run.status,
    deviceId,
    devicePublicKey,
    policyVersion: s.policy.version(),
    createdAt: s.clock.now().toISOString(),
    pii: {
      included: piiIncluded,
      requested: opts.includePii === true,
      role,
      method: piiIncluded ? null : 'sha256(secret salt || canonical value)',
      fields: piiFields,
    },
    files: [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, b]) => ({ path, sha256: sha256(b), size: b.length })),
  };
  const manifestBytes = jsonFile(manifest);
  files.set('manifest.json', manifestBytes);
  files.set('manifest.sig', Buffer.from(signBase64(key, manifestSigningBytes(manifest)) + '\n', 'utf8'));

  // Write: a staging folder, then one sorted tar.
  progress({ phase: 'write', done: 0, total: files.size });
  const dir = mkdtempSync(join(tmpdir(), 'maestro-pack-'));
  try {
    const names = [...files.keys()].sort();
    for (const n of names) {
      mkdirSync(dirname(join(dir, n)), { recursive: true });
      writeFileSync(join(dir, n), files.get(n)!);
    }
    mkdirSync(dirname(opts.out), { recursive: true });
    await tarCreate({ gzip: true, file: opts.out, cwd: dir, portable: true, noDirRecurse: true }, names);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  progress({ phase: 'write', done: files.size, total: files.size });
  let bytes = 0;
  for (const b of files.values()) bytes += b.length;
  return { out: opts.out, files: files.size, bytes, manifestSha256: sha256(manifestBytes), piiIncluded, countersigned: checkpoint !== null };
}
