// The evidence service (see ./index.ts): artifacts, the release gate, the compliance report and the
// disclosure pack of a run.
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { AuditService } from '../../platform/audit/index';
import { ApiError } from '../../../shared/errors';
import { msg, type Message } from '../../../shared/messages';
import { newUlid } from '../../platform/util/ulid';
import { MAX_INLINE_ATTACHMENT_BYTES } from '../../../shared/api/types';
import type { Lane, RunStatus } from '../../../shared/workflow/types';
import {
  ARTIFACT_FLAGS,
  type AddArtifactInput,
  type ArtifactFlag,
  type ArtifactView,
  type ComplianceReport,
  type ReleaseGateResult,
  type ReleaseGateRule,
} from '../../../shared/evidence/types';
import { deriveFlags, recognise } from './derive';
import { provenanceKeysOf, type ProvenanceKey, type SignatureCheck } from './dsse';
import { COL, toResult, toView, type ArtifactRow, type EvalRow } from './rows';
import { ruleFromParams } from './rule';
import { evaluate, type Evaluation } from './evaluate';
import { writePack, type ExportOptions, type ExportResult } from './pack/export';
import type { ArtifactStorePort, EvidenceCardsPort, GatePolicySource, NewEvidenceCard, PackSources, RunLookup } from './ports';

export const MAX_ARTIFACT_BYTES = MAX_INLINE_ATTACHMENT_BYTES;
/** Artifacts one run may hold (a run is not a file store). */
export const MAX_ARTIFACTS_PER_RUN = 500;

export interface EvidenceServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  cards: EvidenceCardsPort;
  runs: RunLookup;
  attachments: ArtifactStorePort;
  policy?: GatePolicySource;
  /** What the disclosure pack reads; without it exportPack refuses. */
  pack?: PackSources;
}

export interface EvidenceService {
  addArtifact(runId: string, input: Omit<AddArtifactInput, 'runId'>, actor: string): ArtifactView;
  listArtifacts(runId: string): ArtifactView[];
  releaseGate(runId: string, actor: string): ReleaseGateResult;
  complianceReport(runId: string): ComplianceReport;
  /** The rule in force now and where it came from. */
  rule(): { rule: ReleaseGateRule; source: string; error: string | null };
  /** Write the disclosure pack of a run (./pack/export.ts). */
  exportPack(runId: string, opts: ExportOptions): Promise<ExportResult>;
}

function statements(db: Db) {
  return {
    insertArtifact: db.prepare(
      `INSERT INTO run_artifacts (id, run_id, name, kind, sha256, bytes, media_type, uri, doc_type, subjects,
       sbom_present, sbom_source, slsa_provenance_present, slsa_provenance_source, risk_assessment_present, risk_assessment_source,
       flag_reasons, signature, created_at, actor)
     VALUES (@id, @run_id, @name, @kind, @sha256, @bytes, @media_type, @uri, @doc_type, @subjects,
       @sbom_present, @sbom_source, @slsa_provenance_present, @slsa_provenance_source, @risk_assessment_present, @risk_assessment_source,
       @flag_reasons, @signature, @created_at, @actor)`,
    ),
    updateDerived: db.prepare(
      'UPDATE run_artifacts SET sbom_present = ?, slsa_provenance_present = ?, risk_assessment_present = ?, flag_reasons = ? WHERE seq = ?',
    ),
    artifactsOf: db.prepare('SELECT * FROM run_artifacts WHERE run_id = ? ORDER BY seq'),
    countOf: db.prepare('SELECT count(*) FROM run_artifacts WHERE run_id = ?').pluck(),
    byId: db.prepare('SELECT * FROM run_artifacts WHERE id = ?'),
    insertEval: db.prepare(
      'INSERT INTO release_gate_evaluations (id, run_id, passed, message, details, card_id, created_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    lastEval: db.prepare('SELECT * FROM release_gate_evaluations WHERE run_id = ? ORDER BY seq DESC LIMIT 1'),
  };
}

/** The artifact's bytes from base64 (null for a URI), checked. */
function artifactBytes(input: Omit<AddArtifactInput, 'runId'>, count: number): Buffer | null {
  const hasData = typeof input.dataBase64 === 'string';
  const hasUri = typeof input.uri === 'string';
  if (hasData === hasUri) throw new ApiError('VALIDATION_ERROR', 'Give exactly one of a file (dataBase64) and a URI');
  for (const k of Object.keys(input.flags ?? {}))
    if (!(ARTIFACT_FLAGS as readonly string[]).includes(k)) throw new ApiError('VALIDATION_ERROR', `Unknown flag ${k}`);
  if (count >= MAX_ARTIFACTS_PER_RUN)
    throw new ApiError('VALIDATION_ERROR', `A run holds at most ${MAX_ARTIFACTS_PER_RUN} artifacts`, {
      reason: 'too_many_artifacts',
      max: MAX_ARTIFACTS_PER_RUN,
    });
  if (!hasData) return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.dataBase64!) || input.dataBase64!.length % 4 !== 0)
    throw new ApiError('VALIDATION_ERROR', 'dataBase64 is not base64');
  const bytes = Buffer.from(input.dataBase64!, 'base64');
  if (bytes.length === 0) throw new ApiError('VALIDATION_ERROR', 'Empty artifact', { reason: 'empty_artifact' });
  if (bytes.length > MAX_ARTIFACT_BYTES)
    throw new ApiError('VALIDATION_ERROR', `Artifacts are limited to ${MAX_ARTIFACT_BYTES / 1024 / 1024} MiB`, {
      reason: 'artifact_too_large',
      maxMiB: MAX_ARTIFACT_BYTES / 1024 / 1024,
    });
  return bytes;
}

/** The new row (sha256 and flag_reasons filled in at insert) and the reasons of flags set by hand. */
function artifactRow(
  id: string,
  runId: string,
  name: string,
  input: Omit<AddArtifactInput, 'runId'>,
  bytes: Buffer | null,
  now: string,
  actor: string,
  provenanceKeys: readonly ProvenanceKey[],
): { row: Record<string, unknown>; reasons: Partial<Record<ArtifactFlag, string>> } {
  // Provenance signatures are checked once, when the artifact arrives, with the keys of the policy then in force.
  const recognised = bytes ? recognise(bytes, provenanceKeys) : null;
  const manual = input.flags ?? {};
  const reasons: Partial<Record<ArtifactFlag, string>> = {};
  const row: Record<string, unknown> = {
    id,
    run_id: runId,
    name,
    kind: bytes ? 'file' : 'uri',
    sha256: null,
    bytes: bytes ? bytes.length : null,
    media_type: input.mediaType ?? null,
    uri: typeof input.uri === 'string' ? input.uri : null,
    doc_type: recognised?.docType ?? null,
    subjects: JSON.stringify(recognised?.subjects ?? []),
    signature: recognised?.signature ? JSON.stringify(recognised.signature) : null,
    created_at: now,
    actor,
  };
  for (const f of ARTIFACT_FLAGS) {
    const m = manual[f];
    row[COL[f].value] = m === true ? 1 : 0;
    row[COL[f].source] = m === undefined ? 'derived' : 'manual';
    if (m !== undefined) reasons[f] = `set ${m ? 'present' : 'absent'} by hand by ${actor}`;
  }
  return { row, reasons };
}

/** The lane of a gate evaluation and why. */
function gateLane(e: Evaluation, error: string | null): { lane: Lane; laneReasons: Message[] } {
  const failedRun = e.runStatus === 'failed' || e.runStatus === 'rolled_back';
  const lane: Lane = e.passed ? 'GREEN' : failedRun || error ? 'RED' : 'YELLOW';
  const laneReasons = e.passed
    ? [
        msg('guard.lane.gate_compliant', { n: e.compliantIds.length }),
        ...(e.manualCompliantIds.length ? [msg('guard.lane.gate_manual', { n: e.manualCompliantIds.length })] : []),
      ]
    : failedRun
      ? [msg('guard.lane.gate_run_ended', { status: e.runStatus })]
      : error
        ? [msg('guard.lane.gate_rule_invalid')]
        : e.missingWords;
  return { lane, laneReasons };
}

/** The release.gate decision card of an evaluation. */
function gateCard(runId: string, e: Evaluation, rule: ReleaseGateRule, source: string, error: string | null, policyVersion: string | null): NewEvidenceCard {
  const { lane, laneReasons } = gateLane(e, error);
  return {
    kind: 'release.gate',
    runId,
    stepId: null,
    subject: `Release gate for run ${runId}`,
    subjectWords: { text: msg('system.gate.subject', { run: runId }) },
    options: [
      {
        id: 'pass',
        label: 'Release: the gate passes',
        labelWords: { text: msg('system.gate.pass_option') },
        predictedQuality: e.passed ? 1 : 0,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: e.passed ? 0 : 1,
      },
      {
        id: 'fail',
        label: 'Hold: the gate fails',
        labelWords: { text: msg('system.gate.fail_option') },
        predictedQuality: e.passed ? 0 : 1,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 0,
      },
    ],
    chosen: e.passed ? 'pass' : 'fail',
    rationale: `${e.message}. Rule (${source}): ${rule.requireRunSucceeded ? 'run succeeded, ' : ''}at least ${rule.minCompliantArtifacts} artifact(s) with ${rule.requiredFlags.join(', ') || 'no flags'}.${e.manualCompliantIds.length ? ` Manual flags on: ${e.manualCompliantIds.join(', ')}.` : ''}`,
    invariants: e.invariants,
    policy: { decision: e.passed ? 'allow' : 'deny', reasons: [e.message], policyVersion: policyVersion },
    lane,
    laneReasons,
    evidence: { memoryIds: [], bundleDigests: [], modelId: null },
    nextSafeStep: e.passed ? null : (e.missingWords[0] ?? msg('guard.next.add_evidence')),
    status: e.passed ? 'allowed' : 'denied',
  };
}

export class Evidence implements EvidenceService {
  private readonly st: ReturnType<typeof statements>;

  constructor(private readonly deps: EvidenceServiceDeps) {
    this.st = statements(deps.db);
  }

  private runStatus(runId: string): RunStatus {
    return this.deps.runs.get(runId).status;
  }

  rule(): { rule: ReleaseGateRule; source: string; error: string | null } {
    const version = this.deps.policy?.version() ?? null;
    const r = ruleFromParams(this.deps.policy?.params() ?? null);
    const source = r.fromPolicy ? `policy ${version ?? '(unversioned)'} params.releaseGate` : 'default';
    return { rule: r.rule, source, error: r.error };
  }

  /** Recompute the derived flags of every artifact of a run; returns the ids whose flags changed. */
  private rederive(runId: string): string[] {
    const rows = this.st.artifactsOf.all(runId) as ArtifactRow[];
    const derived = deriveFlags(
      rows.map((r) => ({
        id: r.id,
        name: r.name,
        sha256: r.sha256,
        docType: r.doc_type,
        subjects: JSON.parse(r.subjects) as string[],
        signature: r.signature ? (JSON.parse(r.signature) as SignatureCheck) : null,
      })),
    );
    const changed: string[] = [];
    for (const r of rows) {
      const d = derived.get(r.id)!;
      const row = r as unknown as Record<string, unknown>;
      const reasons = JSON.parse(r.flag_reasons) as Record<string, string>;
      const vals: Record<ArtifactFlag, number> = {
        sbom_present: r.sbom_present,
        slsa_provenance_present: r.slsa_provenance_present,
        risk_assessment_present: r.risk_assessment_present,
      };
      let differs = false;
      for (const f of ARTIFACT_FLAGS) {
        if (row[COL[f].source] === 'manual') continue;
        const v = d[f].value ? 1 : 0;
        if (vals[f] !== v || reasons[f] !== d[f].reason) differs = true;
        vals[f] = v;
        reasons[f] = d[f].reason;
      }
      if (!differs) continue;
      this.st.updateDerived.run(vals.sbom_present, vals.slsa_provenance_present, vals.risk_assessment_present, JSON.stringify(reasons), r.seq);
      changed.push(r.id);
    }
    return changed;
  }

  private evaluate(runId: string, rule: ReleaseGateRule, ruleError: string | null): Evaluation {
    const status = this.runStatus(runId);
    return evaluate(status, (this.st.artifactsOf.all(runId) as ArtifactRow[]).map(toView), rule, ruleError);
  }

  addArtifact(runId: string, input: Omit<AddArtifactInput, 'runId'>, actor: string): ArtifactView {
    this.runStatus(runId); // NOT_FOUND for an unknown run, before anything is stored
    const name = input.name.trim();
    if (!name) throw new ApiError('VALIDATION_ERROR', 'An artifact needs a name', { reason: 'artifact_name' });
    const bytes = artifactBytes(input, this.st.countOf.get(runId) as number);
    const now = this.deps.clock.now().toISOString();
    const id = `art_${newUlid()}`;
    const keys = provenanceKeysOf((this.deps.policy?.params() ?? null) as Record<string, unknown> | null);
    const { row, reasons } = artifactRow(id, runId, name, input, bytes, now, actor, keys);
    return this.deps.db.transaction(() => {
      if (bytes) {
        // The file lands (content-addressed, whole or not at all) before its row; a rollback leaves
        // at most an unreferenced attachment, as an abandoned capture upload would.
        const put = this.deps.attachments.put(bytes, name, input.mediaType ?? 'application/octet-stream', now);
        row.sha256 = put.hash;
      }
      row.flag_reasons = JSON.stringify(reasons);
      this.st.insertArtifact.run(row);
      const changed = this.rederive(runId).filter((x) => x !== id);
      const view = toView(this.st.byId.get(id) as ArtifactRow);
      this.deps.audit.append({
        actor,
        action: 'artifact.added',
        subject: id,
        payload: {
          run: runId,
          name,
          kind: view.kind,
          sha256: view.sha256,
          bytes: view.bytes,
          uri: view.uri,
          docType: view.docType,
          flags: Object.fromEntries(ARTIFACT_FLAGS.map((f) => [f, { value: view.flags[f].value, source: view.flags[f].source }])),
          rederived: changed,
        },
      });
      return view;
    })();
  }

  listArtifacts(runId: string): ArtifactView[] {
    this.runStatus(runId);
    return (this.st.artifactsOf.all(runId) as ArtifactRow[]).map(toView);
  }

  releaseGate(runId: string, actor: string): ReleaseGateResult {
    const { rule, source, error } = this.rule();
    return this.deps.db.transaction(() => {
      const e = this.evaluate(runId, rule, error);
      const id = `gate_${newUlid()}`;
      const details: ReleaseGateResult['details'] = {
        total: e.artifacts.length,
        compliant: e.compliantIds.length,
        compliantIds: e.compliantIds,
        runStatus: e.runStatus,
        rule,
        ruleSource: source,
        manualCompliantIds: e.manualCompliantIds,
        missing: e.missing,
      };
      const recorded = this.deps.cards.record(gateCard(runId, e, rule, source, error, this.deps.policy?.version() ?? null), actor);
      const now = this.deps.clock.now().toISOString();
      this.st.insertEval.run(id, runId, e.passed ? 1 : 0, e.message, JSON.stringify(details), recorded.id, now, actor);
      this.deps.audit.append({
        actor,
        action: 'release.gate.evaluated',
        subject: runId,
        payload: {
          evaluation: id,
          card: recorded.id,
          passed: e.passed,
          total: details.total,
          compliant: details.compliant,
          compliantIds: e.compliantIds,
          runStatus: e.runStatus,
          rule,
          ruleSource: source,
        },
      });
      return { id, runId, passed: e.passed, message: e.message, details, cardId: recorded.id, createdAt: now, actor };
    })();
  }

  complianceReport(runId: string): ComplianceReport {
    const { rule, source, error } = this.rule();
    const e = this.evaluate(runId, rule, error);
    const last = this.st.lastEval.get(runId) as EvalRow | undefined;
    return {
      runId,
      runStatus: e.runStatus,
      rule,
      ruleSource: source,
      artifacts: e.artifacts,
      compliantIds: e.compliantIds,
      missing: e.missing,
      lastEvaluation: last ? toResult(last) : null,
    };
  }

  exportPack(runId: string, opts: ExportOptions): Promise<ExportResult> {
    const { pack, db, clock, audit, policy } = this.deps;
    if (!pack) return Promise.reject(new Error('The disclosure pack is not wired in this evidence service'));
    return writePack({ ...pack, db, clock, audit, policyVersion: () => policy?.version() ?? null, listArtifacts: (id) => this.listArtifacts(id) }, runId, opts);
  }
}
