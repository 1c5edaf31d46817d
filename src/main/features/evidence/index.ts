// Run artifacts and the release gate (issue 8; README.md in this folder). The door of
// src/main/features/evidence: createEvidenceService.
//
// - addArtifact: a file (stored content-addressed in the attachment store, SHA-256 computed) or a
//   URI; what the content is (SBOM, SLSA provenance, risk assessment) is recognised from the bytes,
//   and the flags of EVERY artifact of the run are re-derived (provenance may arrive after its
//   subject). A flag given by hand is stored with source 'manual' and is never re-derived. One audit
//   entry per artifact (`artifact.added`), in the insert's transaction.
// - releaseGate: the rule (policy `params.releaseGate`, else the default: run succeeded and at least
//   one artifact with all three flags) evaluated; every evaluation is a row, a `release.gate`
//   decision card and a `release.gate.evaluated` audit entry, in one transaction.
// - complianceReport: the artifacts with flags and sources, the last evaluation, what is missing.
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { AuditService } from '../../platform/audit/index';
import type { CardStore, NewCard } from '../cards/index';
import type { AttachmentStore } from '../capture/attachment-store';
import { ApiError } from '../../../shared/errors';
import { newUlid } from '../../platform/util/ulid';
import { MAX_ATTACHMENT_BYTES } from '../../../shared/api/types';
import type { InvariantResult, Lane, RunStatus } from '../../../shared/workflow/types';
import {
  ARTIFACT_FLAGS,
  DEFAULT_RELEASE_GATE_RULE,
  type AddArtifactInput,
  type ArtifactFlag,
  type ArtifactView,
  type ComplianceReport,
  type EvidenceDocType,
  type FlagSource,
  type ReleaseGateResult,
  type ReleaseGateRule,
} from '../../../shared/evidence/types';
import { deriveFlags, recognise } from './derive';

export { recognise, deriveFlags } from './derive';
export const MAX_ARTIFACT_BYTES = MAX_ATTACHMENT_BYTES;
/** Artifacts one run may hold (a run is not a file store). */
export const MAX_ARTIFACTS_PER_RUN = 500;

/** The little of the run service the evidence service reads. `get` throws NOT_FOUND for an unknown run. */
export interface RunLookup {
  get(runId: string): { status: RunStatus };
}

/** Where the release-gate rule comes from; `params()` is the active policy document's params (null: none loaded). */
export interface GatePolicySource {
  params(): Record<string, unknown> | null;
  version(): string | null;
}

export interface EvidenceServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  cards: CardStore;
  runs: RunLookup;
  attachments: Pick<AttachmentStore, 'put'>;
  policy?: GatePolicySource;
}

export interface EvidenceService {
  addArtifact(runId: string, input: Omit<AddArtifactInput, 'runId'>, actor: string): ArtifactView;
  listArtifacts(runId: string): ArtifactView[];
  releaseGate(runId: string, actor: string): ReleaseGateResult;
  complianceReport(runId: string): ComplianceReport;
  /** The rule in force now and where it came from. */
  rule(): { rule: ReleaseGateRule; source: string; error: string | null };
}

interface ArtifactRow {
  seq: number;
  id: string;
  run_id: string;
  name: string;
  kind: 'file' | 'uri';
  sha256: string | null;
  bytes: number | null;
  media_type: string | null;
  uri: string | null;
  doc_type: EvidenceDocType | null;
  subjects: string;
  sbom_present: number;
  sbom_source: FlagSource;
  slsa_provenance_present: number;
  slsa_provenance_source: FlagSource;
  risk_assessment_present: number;
  risk_assessment_source: FlagSource;
  flag_reasons: string;
  created_at: string;
  actor: string;
}

interface EvalRow {
  id: string;
  run_id: string;
  passed: number;
  message: string;
  details: string;
  card_id: string;
  created_at: string;
  actor: string;
}

/** Column names of each flag's value and source. */
const COL: Record<ArtifactFlag, { value: string; source: string }> = {
  sbom_present: { value: 'sbom_present', source: 'sbom_source' },
  slsa_provenance_present: { value: 'slsa_provenance_present', source: 'slsa_provenance_source' },
  risk_assessment_present: { value: 'risk_assessment_present', source: 'risk_assessment_source' },
};

const FLAG_WORDS: Record<ArtifactFlag, string> = {
  sbom_present: 'an SBOM',
  slsa_provenance_present: 'SLSA provenance',
  risk_assessment_present: 'a risk assessment',
};

function toView(r: ArtifactRow): ArtifactView {
  const reasons = JSON.parse(r.flag_reasons) as Partial<Record<ArtifactFlag, string>>;
  const flags = {} as ArtifactView['flags'];
  for (const f of ARTIFACT_FLAGS) {
    const row = r as unknown as Record<string, unknown>;
    flags[f] = { value: row[COL[f].value] === 1, source: row[COL[f].source] as FlagSource, reason: reasons[f] ?? '' };
  }
  return {
    id: r.id,
    runId: r.run_id,
    name: r.name,
    kind: r.kind,
    sha256: r.sha256,
    bytes: r.bytes,
    mediaType: r.media_type,
    uri: r.uri,
    docType: r.doc_type,
    subjects: JSON.parse(r.subjects) as string[],
    flags,
    createdAt: r.created_at,
    actor: r.actor,
  };
}

function toResult(r: EvalRow): ReleaseGateResult {
  return {
    id: r.id,
    runId: r.run_id,
    passed: r.passed === 1,
    message: r.message,
    details: JSON.parse(r.details) as ReleaseGateResult['details'],
    cardId: r.card_id,
    createdAt: r.created_at,
    actor: r.actor,
  };
}

/**
 * The rule from policy params: `params.releaseGate` (an object) when present, else the flat keys
 * `releaseGateRequireRunSucceeded` / `releaseGateRequiredFlags` / `releaseGateMinCompliantArtifacts`
 * (missing ones take the default's value), else the default.
 * A rule that is present but malformed is an error: the gate then fails closed.
 */
export function ruleFromParams(params: Record<string, unknown> | null): { rule: ReleaseGateRule; fromPolicy: boolean; error: string | null } {
  let raw = params?.releaseGate;
  // The policy schema admits only scalars and lists as params today: flat keys say the same.
  const flat = {
    requireRunSucceeded: 'releaseGateRequireRunSucceeded',
    requiredFlags: 'releaseGateRequiredFlags',
    minCompliantArtifacts: 'releaseGateMinCompliantArtifacts',
  } as const;
  if (raw === undefined && params && Object.values(flat).some((k) => k in params)) {
    raw = Object.fromEntries(
      Object.entries(flat)
        .filter(([, k]) => k in params)
        .map(([key, k]) => [key, params[k]]),
    );
  }
  if (raw === undefined) return { rule: DEFAULT_RELEASE_GATE_RULE, fromPolicy: false, error: null };
  const bad = (why: string) => ({ rule: DEFAULT_RELEASE_GATE_RULE, fromPolicy: true, error: `policy params.releaseGate is invalid: ${why}` });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('not an object');
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !['requireRunSucceeded', 'requiredFlags', 'minCompliantArtifacts'].includes(k));
  if (unknown.length) return bad(`unknown key(s) ${unknown.join(', ')}`);
  const rule: ReleaseGateRule = { ...DEFAULT_RELEASE_GATE_RULE };
  if (o.requireRunSucceeded !== undefined) {
    if (typeof o.requireRunSucceeded !== 'boolean') return bad('requireRunSucceeded must be true or false');
    rule.requireRunSucceeded = o.requireRunSucceeded;
  }
  if (o.requiredFlags !== undefined) {
    const fl = o.requiredFlags;
    if (!Array.isArray(fl) || !fl.every((x) => (ARTIFACT_FLAGS as readonly unknown[]).includes(x)) || new Set(fl).size !== fl.length)
      return bad(`requiredFlags must list distinct flags of ${ARTIFACT_FLAGS.join(', ')}`);
    rule.requiredFlags = fl as ArtifactFlag[];
  }
  if (o.minCompliantArtifacts !== undefined) {
    const n = o.minCompliantArtifacts;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 10_000) return bad('minCompliantArtifacts must be an integer in 0..10000');
    rule.minCompliantArtifacts = n;
  }
  return { rule, fromPolicy: true, error: null };
}

interface Evaluation {
  passed: boolean;
  message: string;
  runStatus: RunStatus;
  artifacts: ArtifactView[];
  compliantIds: string[];
  manualCompliantIds: string[];
  missing: string[];
  invariants: InvariantResult[];
}

export function createEvidenceService(deps: EvidenceServiceDeps): EvidenceService {
  const { db } = deps;
  const insertArtifact = db.prepare(
    `INSERT INTO run_artifacts (id, run_id, name, kind, sha256, bytes, media_type, uri, doc_type, subjects,
       sbom_present, sbom_source, slsa_provenance_present, slsa_provenance_source, risk_assessment_present, risk_assessment_source,
       flag_reasons, created_at, actor)
     VALUES (@id, @run_id, @name, @kind, @sha256, @bytes, @media_type, @uri, @doc_type, @subjects,
       @sbom_present, @sbom_source, @slsa_provenance_present, @slsa_provenance_source, @risk_assessment_present, @risk_assessment_source,
       @flag_reasons, @created_at, @actor)`,
  );
  const updateDerived = db.prepare(
    'UPDATE run_artifacts SET sbom_present = ?, slsa_provenance_present = ?, risk_assessment_present = ?, flag_reasons = ? WHERE seq = ?',
  );
  const artifactsOf = db.prepare('SELECT * FROM run_artifacts WHERE run_id = ? ORDER BY seq');
  const countOf = db.prepare('SELECT count(*) FROM run_artifacts WHERE run_id = ?').pluck();
  const byId = db.prepare('SELECT * FROM run_artifacts WHERE id = ?');
  const insertEval = db.prepare(
    'INSERT INTO release_gate_evaluations (id, run_id, passed, message, details, card_id, created_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const lastEval = db.prepare('SELECT * FROM release_gate_evaluations WHERE run_id = ? ORDER BY seq DESC LIMIT 1');

  const runStatus = (runId: string): RunStatus => deps.runs.get(runId).status;

  const currentRule = () => {
    const version = deps.policy?.version() ?? null;
    const r = ruleFromParams(deps.policy?.params() ?? null);
    const source = r.fromPolicy ? `policy ${version ?? '(unversioned)'} params.releaseGate` : 'default';
    return { rule: r.rule, source, error: r.error };
  };

  /** Recompute the derived flags of every artifact of a run; returns the ids whose flags changed. */
  const rederive = (runId: string): string[] => {
    const rows = artifactsOf.all(runId) as ArtifactRow[];
    const derived = deriveFlags(
      rows.map((r) => ({ id: r.id, name: r.name, sha256: r.sha256, docType: r.doc_type, subjects: JSON.parse(r.subjects) as string[] })),
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
      updateDerived.run(vals.sbom_present, vals.slsa_provenance_present, vals.risk_assessment_present, JSON.stringify(reasons), r.seq);
      changed.push(r.id);
    }
    return changed;
  };

  const evaluate = (runId: string, rule: ReleaseGateRule, ruleError: string | null): Evaluation => {
    const status = runStatus(runId);
    const artifacts = (artifactsOf.all(runId) as ArtifactRow[]).map(toView);
    const compliant = artifacts.filter((a) => rule.requiredFlags.every((f) => a.flags[f].value));
    const compliantIds = compliant.map((a) => a.id);
    const manualCompliantIds = compliant.filter((a) => rule.requiredFlags.some((f) => a.flags[f].source === 'manual')).map((a) => a.id);
    const runOk = !rule.requireRunSucceeded || status === 'succeeded';
    const enough = compliant.length >= rule.minCompliantArtifacts;
    const missing: string[] = [];
    if (ruleError) missing.push(`${ruleError} (the gate fails closed)`);
    if (!runOk) missing.push(`The run is ${status}; it must have succeeded.`);
    if (!enough) {
      if (artifacts.length === 0) missing.push('The run has no artifacts.');
      for (const f of rule.requiredFlags) if (!artifacts.some((a) => a.flags[f].value)) missing.push(`No artifact has ${f} (${FLAG_WORDS[f]}).`);
      missing.push(`${compliant.length} of ${rule.minCompliantArtifacts} required artifact(s) have all of: ${rule.requiredFlags.join(', ') || '(no flags)'}.`);
    }
    const passed = !ruleError && runOk && enough;
    let message: string;
    if (passed) message = `Release gate passed: ${compliant.length} compliant artifact(s) found`;
    else if (ruleError) message = `Release gate failed: ${ruleError}`;
    else if (!runOk) message = `Release gate failed: run status is ${status}, not succeeded`;
    else if (artifacts.length === 0) message = 'Release gate failed: no artifacts found';
    else
      message = `Release gate failed: ${compliant.length} compliant artifact(s), ${rule.minCompliantArtifacts} required (flags: ${rule.requiredFlags.join(', ')})`;
    const invariants: InvariantResult[] = [];
    if (ruleError) invariants.push({ id: 'INV.RELEASE.RULE_VALID', pass: false, message: ruleError, values: {} });
    invariants.push({
      id: 'INV.RELEASE.RUN_SUCCEEDED',
      pass: runOk,
      message: runOk ? null : `The run is ${status}; the release gate needs a succeeded run`,
      values: { 'run.status': status, required: rule.requireRunSucceeded },
    });
    for (const f of rule.requiredFlags) {
      const withFlag = artifacts.filter((a) => a.flags[f].value);
      invariants.push({
        id: `INV.RELEASE.FLAG.${f.toUpperCase()}`,
        pass: withFlag.length > 0,
        message: withFlag.length ? null : `No artifact of the run has ${f} (${FLAG_WORDS[f]})`,
        values: { artifacts: withFlag.length, manual: withFlag.filter((a) => a.flags[f].source === 'manual').length },
      });
    }
    invariants.push({
      id: 'INV.RELEASE.COMPLIANT_ARTIFACTS',
      pass: enough,
      message: enough ? null : `${compliant.length} artifact(s) have all required flags; ${rule.minCompliantArtifacts} required`,
      values: { compliant: compliant.length, required: rule.minCompliantArtifacts, total: artifacts.length, requiredFlags: rule.requiredFlags },
    });
    return { passed, message, runStatus: status, artifacts, compliantIds, manualCompliantIds, missing, invariants };
  };

  return {
    addArtifact(runId, input, actor) {
      runStatus(runId); // NOT_FOUND for an unknown run, before anything is stored
      const name = input.name.trim();
      if (!name) throw new ApiError('VALIDATION_ERROR', 'An artifact needs a name');
      const hasData = typeof input.dataBase64 === 'string';
      const hasUri = typeof input.uri === 'string';
      if (hasData === hasUri) throw new ApiError('VALIDATION_ERROR', 'Give exactly one of a file (dataBase64) and a URI');
      for (const k of Object.keys(input.flags ?? {}))
        if (!(ARTIFACT_FLAGS as readonly string[]).includes(k)) throw new ApiError('VALIDATION_ERROR', `Unknown flag ${k}`);
      if ((countOf.get(runId) as number) >= MAX_ARTIFACTS_PER_RUN)
        throw new ApiError('VALIDATION_ERROR', `A run holds at most ${MAX_ARTIFACTS_PER_RUN} artifacts`);
      let bytes: Buffer | null = null;
      if (hasData) {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.dataBase64!) || input.dataBase64!.length % 4 !== 0)
          throw new ApiError('VALIDATION_ERROR', 'dataBase64 is not base64');
        bytes = Buffer.from(input.dataBase64!, 'base64');
        if (bytes.length === 0) throw new ApiError('VALIDATION_ERROR', 'Empty artifact');
        if (bytes.length > MAX_ARTIFACT_BYTES) throw new ApiError('VALIDATION_ERROR', `Artifacts are limited to ${MAX_ARTIFACT_BYTES / 1024 / 1024} MiB`);
      }
      const recognised = bytes ? recognise(bytes) : null;
      const now = deps.clock.now().toISOString();
      const id = `art_${newUlid()}`;
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
        uri: hasUri ? input.uri : null,
        doc_type: recognised?.docType ?? null,
        subjects: JSON.stringify(recognised?.subjects ?? []),
        created_at: now,
        actor,
      };
      for (const f of ARTIFACT_FLAGS) {
        const m = manual[f];
        row[COL[f].value] = m === true ? 1 : 0;
        row[COL[f].source] = m === undefined ? 'derived' : 'manual';
        if (m !== undefined) reasons[f] = `set ${m ? 'present' : 'absent'} by hand by ${actor}`;
      }
      return db.transaction(() => {
        if (bytes) {
          // The file lands (content-addressed, whole or not at all) before its row; a rollback leaves
          // at most an unreferenced attachment, as an abandoned capture upload would.
          const put = deps.attachments.put(bytes, name, input.mediaType ?? 'application/octet-stream', now);
          row.sha256 = put.hash;
        }
        row.flag_reasons = JSON.stringify(reasons);
        insertArtifact.run(row);
        const changed = rederive(runId).filter((x) => x !== id);
        const view = toView(byId.get(id) as ArtifactRow);
        deps.audit.append({
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
    },

    listArtifacts(runId) {
      runStatus(runId);
      return (artifactsOf.all(runId) as ArtifactRow[]).map(toView);
    },

    releaseGate(runId, actor) {
      const { rule, source, error } = currentRule();
      return db.transaction(() => {
        const e = evaluate(runId, rule, error);
        const id = `gate_${newUlid()}`;
        const failedRun = e.runStatus === 'failed' || e.runStatus === 'rolled_back';
        const lane: Lane = e.passed ? 'GREEN' : failedRun || error ? 'RED' : 'YELLOW';
        const laneReasons = e.passed
          ? [
              `${e.compliantIds.length} compliant artifact(s)`,
              ...(e.manualCompliantIds.length ? [`${e.manualCompliantIds.length} compliant artifact(s) rely on flags set by hand`] : []),
            ]
          : failedRun
            ? [`The run ended ${e.runStatus}: nothing of it can be released`]
            : error
              ? ['The release-gate rule in the policy is invalid']
              : e.missing;
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
        const card: NewCard = {
          kind: 'release.gate',
          runId,
          stepId: null,
          subject: `Release gate for run ${runId}`,
          options: [
            {
              id: 'pass',
              label: 'Release: the gate passes',
              predictedQuality: e.passed ? 1 : 0,
              predictedCostCents: 0,
              latencyMs: 0,
              uncertainty: e.passed ? 0 : 1,
            },
            { id: 'fail', label: 'Hold: the gate fails', predictedQuality: e.passed ? 0 : 1, predictedCostCents: 0, latencyMs: 0, uncertainty: 0 },
          ],
          chosen: e.passed ? 'pass' : 'fail',
          rationale: `${e.message}. Rule (${source}): ${rule.requireRunSucceeded ? 'run succeeded, ' : ''}at least ${rule.minCompliantArtifacts} artifact(s) with ${rule.requiredFlags.join(', ') || 'no flags'}.${e.manualCompliantIds.length ? ` Manual flags on: ${e.manualCompliantIds.join(', ')}.` : ''}`,
          invariants: e.invariants,
          policy: { decision: e.passed ? 'allow' : 'deny', reasons: [e.message], policyVersion: deps.policy?.version() ?? null },
          lane,
          laneReasons,
          evidence: { memoryIds: [], bundleDigests: [], modelId: null },
          nextSafeStep: e.passed ? null : (e.missing[0] ?? 'Add the missing evidence and evaluate again'),
          status: e.passed ? 'allowed' : 'denied',
        };
        const recorded = deps.cards.record(card, actor);
        const now = deps.clock.now().toISOString();
        insertEval.run(id, runId, e.passed ? 1 : 0, e.message, JSON.stringify(details), recorded.id, now, actor);
        deps.audit.append({
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
    },

    complianceReport(runId) {
      const { rule, source, error } = currentRule();
      const e = evaluate(runId, rule, error);
      const last = lastEval.get(runId) as EvalRow | undefined;
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
    },

    rule: currentRule,
  };
}
