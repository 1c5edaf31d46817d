// Disclosure pack of one run (issue 8): a .tar.gz an auditor verifies offline with
// scripts/verify-pack.mjs. Layout and checks: ./format.ts and ./verify.ts.
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Db } from '../../../platform/db/connection';
import type { Clock } from '../../../platform/util/clock';
import type { AuditService, RawAuditEntry } from '../../../platform/audit/index';
import { readSyncConfig, type SyncConfig } from '../../../platform/device/sync-config';
import { signingKeyName } from '../../../platform/device/credential';
import { readServerKeyChain, readServerKeyRing } from '../../../platform/device/server-keys';
import type { Role } from '../../../../shared/api/types';
import { ApiError } from '../../../../shared/errors';
import { canonicalJson } from '../../../../shared/canonical';
import { MemoryTree, toHex } from '../../../../shared/merkle';
import { merkleHasher } from '../../../platform/audit/merkle';
import { privateKeyFromPem, rawPublicKeyBase64, signBase64 } from '../../../../platform/ed25519';
import type { DecisionCard } from '../../../../shared/workflow/types';
import type { ArtifactView } from '../../../../shared/evidence/types';
import type { PackSources } from '../ports';
import type { SignedCheckpoint, SignedReceipt } from '../../../../shared/sync/protocol';
import { PACK_FORMAT, manifestSigningBytes, type PackManifest, type ProofsFile, type ReceiptsFile } from './format';

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

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
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

function outputIds(o: Record<string, unknown> | null, key: 'outboxId' | 'recordId'): string[] {
  const v = o && typeof o === 'object' ? o[key] : undefined;
  return typeof v === 'string' ? [v] : [];
}

/** What exportPack reads: the evidence service's deps, its pack sources and its artifact list. */
export interface PackDeps extends PackSources {
  db: Db;
  clock: Clock;
  audit: Pick<AuditService, 'rawEntriesFor' | 'allHashes' | 'lastCheckpoint'>;
  policyVersion(): string | null;
  listArtifacts(runId: string): ArtifactView[];
}

type Files = Map<string, Buffer>;
type Progress = NonNullable<ExportOptions['onProgress']>;

/** The device id and its signing key (the pack is signed as this device). */
async function signingKey(d: PackDeps, cfg: SyncConfig | null): Promise<{ deviceId: string; key: ReturnType<typeof privateKeyFromPem> }> {
  const deviceId = cfg?.deviceId ?? d.profile.get()?.deviceId;
  if (!deviceId) throw new ApiError('CONFLICT', 'This device has no id yet: set up a profile first', { reason: 'no_profile' });
  const pem = await (await d.secrets()).get(signingKeyName(d.db, deviceId));
  // A pack is signed by the device's enrolled key: before enrolling there is none to sign with.
  if (!pem)
    throw new ApiError('CONFLICT', 'A disclosure pack is signed with this device’s key, which it gets when it is enrolled: enroll it first (Outbox → Enroll)', {
      reason: 'not_enrolled',
    });
  return { deviceId, key: privateKeyFromPem(pem) };
}

/** Receipts of the run's outbox items, as stored, with the server key they verify against. */
function addReceipts(d: PackDeps, files: Files, outputs: (Record<string, unknown> | null)[], cfg: SyncConfig | null): void {
  const receipts: ReceiptsFile['receipts'] = [];
  const sigs: Record<string, string> = {};
  for (const id of outputs.flatMap((o) => outputIds(o, 'outboxId'))) {
    const r = d.outbox.find(id);
    if (!r?.receipt) continue;
    const sr = JSON.parse(r.receipt) as SignedReceipt;
    receipts.push({ outboxId: r.id, idempotencyKey: r.idempotency_key, contentHash: r.content_hash, receipt: sr.receipt });
    sigs[sr.receipt.receiptId] = sr.signature;
  }
  if (receipts.length) {
    // With the chain when the device knows more than one server key (receipts may name any of them).
    const chain = readServerKeyChain(d.db);
    const rf: ReceiptsFile = {
      serverKeyId: cfg?.serverKeyId ?? null,
      serverPublicKey: cfg?.serverPublicKey ?? null,
      ...(chain && chain.statements.length > 0 ? { serverKeys: chain } : {}),
      receipts,
    };
    files.set('receipt.json', jsonFile(rf));
    files.set('receipt.sig', jsonFile(sigs));
  }
}

/** Records the run submitted, PII redacted unless included; returns the redacted fields. */
function addRecords(d: PackDeps, files: Files, outputs: (Record<string, unknown> | null)[], piiIncluded: boolean, salt: Buffer) {
  const piiFields: { file: string; pointers: string[] }[] = [];
  for (const id of outputs.flatMap((o) => outputIds(o, 'recordId'))) {
    const r = d.records.getRecord(id);
    if (!r) continue;
    const data = JSON.parse(r.data) as unknown;
    const name = `records/${r.id}.json`;
    if (!piiIncluded && d.contracts.has(r.contract)) {
      const hit = redact(data, d.contracts.get(r.contract).doc.pii, salt);
      if (hit.length) piiFields.push({ file: name, pointers: hit });
    }
    files.set(name, jsonFile({ id: r.id, contract: r.contract, createdAt: r.created_at, data }));
  }
  return piiFields;
}

/** Cards and their policy verdicts, the active bundles' digests, the SBOM artifact if any. */
function addPolicy(d: PackDeps, files: Files, runId: string, cards: DecisionCard[]): void {
  const sbom = d.listArtifacts(runId).find((a) => (a.docType === 'cyclonedx' || a.docType === 'spdx') && a.sha256);
  if (sbom?.sha256) files.set('sbom.json', d.attachments.read(sbom.sha256).bytes);
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
  const bundles = d.bundles
    .report()
    .bundles.filter((b) => b.active)
    .map((b) => `${d.bundleDigests.targetsSha256(b.id) ?? '-'.repeat(64)}  ${b.name}@${b.version} (${b.kind})`);
  files.set('policy/bundles.sha256', Buffer.from(bundles.sort().join('\n') + (bundles.length ? '\n' : ''), 'utf8'));
}

/** The run's audit entries, one JSON line each. */
function addLog(d: PackDeps, files: Files, runId: string): { logName: string; logRows: RawAuditEntry[] } {
  const logRows = d.audit.rawEntriesFor(runId);
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
  return { logName, logRows };
}

/** The newest countersigned checkpoint, if its tree head is this log's at a size covering every proof. */
function usableCheckpoint(d: PackDeps, tree: MemoryTree, maxSeq: number): SignedCheckpoint | null {
  const cpText = d.audit.lastCheckpoint();
  if (!cpText) return null;
  const cp = JSON.parse(cpText) as SignedCheckpoint;
  const { treeSize, treeRoot } = cp.checkpoint;
  const ok =
    typeof treeSize === 'number' && typeof treeRoot === 'string' && treeSize >= maxSeq && treeSize <= tree.size && toHex(tree.root(treeSize)) === treeRoot;
  return ok ? cp : null;
}

/** Inclusion proofs in the audit Merkle tree (in memory from the entry hashes). */
function buildProofs(
  d: PackDeps,
  cards: DecisionCard[],
  log: { logName: string; logRows: RawAuditEntry[] },
  cfg: SyncConfig | null,
  progress: Progress,
): ProofsFile {
  const h = merkleHasher();
  const tree = new MemoryTree(h);
  const seqOf = new Map<string, number>();
  d.audit.allHashes().forEach((x, i) => {
    tree.appendLeafHash(h.leaf(Buffer.from(x, 'hex')));
    seqOf.set(x, i + 1);
  });
  const wanted: { file: string; seq: number; entryHash: string }[] = [
    ...cards.flatMap((c) => (seqOf.has(c.auditHash) ? [{ file: `cards/${c.id}.json`, seq: seqOf.get(c.auditHash)!, entryHash: c.auditHash }] : [])),
    ...log.logRows.map((r) => ({ file: log.logName, seq: r.seq, entryHash: r.hash })),
  ];
  const maxSeq = wanted.reduce((m, w) => Math.max(m, w.seq), 0);
  const checkpoint = usableCheckpoint(d, tree, maxSeq);
  const size = checkpoint ? checkpoint.checkpoint.treeSize! : tree.size;
  return {
    treeSize: size,
    root: toHex(tree.root(size)),
    countersigned: checkpoint !== null,
    // The key that countersigned it (after a rotation, not necessarily the pinned one).
    ...(checkpoint
      ? { checkpoint, serverPublicKey: readServerKeyRing(d.db)?.publicKeyOf(checkpoint.checkpoint.serverKeyId) ?? cfg?.serverPublicKey ?? null }
      : {}),
    proofs: wanted.map((w, i) => {
      if (i % 1000 === 0) progress({ phase: 'proofs', done: i, total: wanted.length });
      return { file: w.file, seq: w.seq, entryHash: w.entryHash, path: tree.inclusionProof(w.seq - 1, size).map(toHex) };
    }),
  };
}

/** A staging folder, then one sorted tar. */
async function writeTar(files: Files, out: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-pack-'));
  try {
    const names = [...files.keys()].sort();
    for (const n of names) {
      mkdirSync(dirname(join(dir, n)), { recursive: true });
      writeFileSync(join(dir, n), files.get(n)!);
    }
    mkdirSync(dirname(out), { recursive: true });
    const { create: tarCreate } = await import('tar'); // loaded when used: no start-up pays for it
    await tarCreate({ gzip: true, file: out, cwd: dir, portable: true, noDirRecurse: true }, names);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Build and write the pack of one run (the evidence service's exportPack). */
export async function writePack(d: PackDeps, runId: string, opts: ExportOptions): Promise<ExportResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const run = d.runs.get(runId); // NOT_FOUND for an unknown run
  const cfg = readSyncConfig(d.db);
  const profile = d.profile.get();
  const { deviceId, key } = await signingKey(d, cfg);
  const devicePublicKey = rawPublicKeyBase64(createPublicKey(key));
  const role = opts.role ?? profile?.role ?? 'field';
  const piiIncluded = opts.includePii === true && (role === 'reviewer' || role === 'admin');
  const salt = randomBytes(32);

  const files: Files = new Map();
  const outputs = run.steps.map((st) => st.output);
  addReceipts(d, files, outputs, cfg);
  const piiFields = addRecords(d, files, outputs, piiIncluded, salt);
  const cards = d.runs.cards.forRun(runId);
  progress({ phase: 'collect', done: 0, total: cards.length });
  addPolicy(d, files, runId, cards);
  const log = addLog(d, files, runId);
  const proofs = buildProofs(d, cards, log, cfg, progress);
  files.set('audit/proofs.json', jsonFile(proofs));

  const manifest: PackManifest = {
    format: PACK_FORMAT,
    runId,
    workflow: run.workflow,
    runStatus: run.status,
    deviceId,
    devicePublicKey,
    policyVersion: d.policyVersion(),
    createdAt: d.clock.now().toISOString(),
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

  progress({ phase: 'write', done: 0, total: files.size });
  await writeTar(files, opts.out);
  progress({ phase: 'write', done: files.size, total: files.size });
  let bytes = 0;
  for (const b of files.values()) bytes += b.length;
  return { out: opts.out, files: files.size, bytes, manifestSha256: sha256(manifestBytes), piiIncluded, countersigned: proofs.countersigned };
}

/** The disclosure pack of one run, written by the evidence service (handlers, scripts and tests pass the services). */
export function exportPack(
  s: { evidence: { exportPack(runId: string, opts: ExportOptions): Promise<ExportResult> } },
  runId: string,
  opts: ExportOptions,
): Promise<ExportResult> {
  return s.evidence.exportPack(runId, opts);
}
