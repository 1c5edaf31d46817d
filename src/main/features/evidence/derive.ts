// What an artifact's content is (an SBOM, SLSA provenance, a risk assessment) and the governance
// flags of every artifact of a run, derived from what the run's artifacts contain. Pure functions.
import { ARTIFACT_FLAGS, type ArtifactFlag, type EvidenceDocType } from '../../../shared/evidence/types';
import { verifyEnvelope, verifySigstoreBundle, type DsseEnvelope, type ProvenanceKey, type SignatureCheck } from './dsse';

export interface Recognised {
  docType: EvidenceDocType;
  /** SHA-256 digests (lower-case hex) the document names as what it is about. */
  subjects: string[];
  /** In words, e.g. "CycloneDX 1.5 SBOM". */
  label: string;
  /** SLSA provenance only: whether its signature verified with a configured key (./dsse.ts). */
  signature?: SignatureCheck;
}

export const IN_TOTO_STATEMENT_TYPES = ['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'];
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
/** JSON documents larger than this are not parsed for recognition (they are still stored). */
const MAX_PARSE_BYTES = 10 * 1024 * 1024;

const HEX64 = /^[0-9a-fA-F]{64}$/;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const digest = (v: unknown): string | null => (typeof v === 'string' && HEX64.test(v) ? v.toLowerCase() : null);
const uniq = (xs: (string | null)[]): string[] => [...new Set(xs.filter((x): x is string => x !== null))];

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0 || bytes.length > MAX_PARSE_BYTES) return undefined;
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const t = text.trimStart();
  if (!t.startsWith('{')) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

function cycloneDx(d: Obj): Recognised | null {
  if (d.bomFormat !== 'CycloneDX' || typeof d.specVersion !== 'string' || !/^1\.\d+$/.test(d.specVersion)) return null;
  const component = isObj(d.metadata) && isObj(d.metadata.component) ? d.metadata.component : null;
  const subjects = uniq(arr(component?.hashes).map((h) => (isObj(h) && h.alg === 'SHA-256' ? digest(h.content) : null)));
  return { docType: 'cyclonedx', subjects, label: `CycloneDX ${d.specVersion} SBOM` };
}

function spdx(d: Obj): Recognised | null {
  if (typeof d.spdxVersion !== 'string' || !d.spdxVersion.startsWith('SPDX-') || typeof d.SPDXID !== 'string' || !d.SPDXID.startsWith('SPDXRef-')) return null;
  // The packages the document describes (documentDescribes or DESCRIBES relationships), else all.
  const described = new Set<string>(arr(d.documentDescribes).filter((x): x is string => typeof x === 'string'));
  for (const r of arr(d.relationships))
    if (isObj(r) && r.spdxElementId === d.SPDXID && r.relationshipType === 'DESCRIBES' && typeof r.relatedSpdxElement === 'string')
      described.add(r.relatedSpdxElement);
  const packages = arr(d.packages).filter(isObj);
  const chosen = described.size ? packages.filter((p) => typeof p.SPDXID === 'string' && described.has(p.SPDXID)) : packages;
  const subjects = uniq(chosen.flatMap((p) => arr(p.checksums).map((c) => (isObj(c) && c.algorithm === 'SHA256' ? digest(c.checksumValue) : null))));
  return { docType: 'spdx', subjects, label: `${d.spdxVersion} SBOM` };
}

function inToto(d: Obj, keys: readonly ProvenanceKey[]): Recognised | null {
  // A Sigstore bundle: its DSSE envelope, verified when it names a public key (keyless ones cannot be, offline).
  if (typeof d.mediaType === 'string' && d.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) {
    const { envelope, check } = verifySigstoreBundle(d, keys);
    const inner = envelope ? statement(envelope) : null;
    return inner ? { ...inner, signature: check } : null;
  }
  // A DSSE envelope around a Statement: the payload, with its signature checked against the policy's keys.
  if (d.payloadType === 'application/vnd.in-toto+json' && typeof d.payload === 'string') {
    const inner = statement(d as unknown as DsseEnvelope);
    return inner ? { ...inner, signature: verifyEnvelope(d, keys) } : null;
  }
  const bare = statementOf(d);
  return bare
    ? { ...bare, signature: { verified: false, by: null, reason: 'a bare in-toto statement carries no signature (wrap it in a signed DSSE envelope)' } }
    : null;
}

function statement(env: DsseEnvelope): Recognised | null {
  if (env.payloadType !== 'application/vnd.in-toto+json') return null;
  const inner = parseJson(Buffer.from(env.payload, 'base64'));
  return isObj(inner) ? statementOf(inner) : null;
}

function statementOf(d: Obj): Recognised | null {
  if (typeof d._type !== 'string' || !IN_TOTO_STATEMENT_TYPES.includes(d._type)) return null;
  if (typeof d.predicateType !== 'string' || !d.predicateType.includes('slsa.dev/provenance')) return null;
  const subjects = uniq(arr(d.subject).map((s) => (isObj(s) && isObj(s.digest) ? digest(s.digest.sha256) : null)));
  return { docType: 'slsa-provenance', subjects, label: `in-toto Statement (${d.predicateType})` };
}

/**
 * The risk-assessment document (see README.md):
 * `{ "type": "risk-assessment", "riskLevel": "low"|"medium"|"high", "assessedBy": string,
 *    "assessedAt": ISO date-time, "findings": [...], "subjects"?: [{ "name"?, "digest": { "sha256" } }] }`.
 */
function riskAssessment(d: Obj): Recognised | null {
  if (d.type !== 'risk-assessment') return null;
  if (!(RISK_LEVELS as readonly unknown[]).includes(d.riskLevel)) return null;
  if (typeof d.assessedBy !== 'string' || !d.assessedBy.trim()) return null;
  if (typeof d.assessedAt !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(d.assessedAt) || Number.isNaN(Date.parse(d.assessedAt))) return null;
  if (!Array.isArray(d.findings)) return null;
  if (d.subjects !== undefined && !Array.isArray(d.subjects)) return null;
  const subjects = uniq(arr(d.subjects).map((s) => (isObj(s) && isObj(s.digest) ? digest(s.digest.sha256) : null)));
  return { docType: 'risk-assessment', subjects, label: `risk assessment (${d.riskLevel}, ${d.findings.length} finding(s), by ${d.assessedBy})` };
}

/** What the bytes are, when they are one of the recognised JSON documents; null otherwise. */
export function recognise(bytes: Buffer, provenanceKeys: readonly ProvenanceKey[] = []): Recognised | null {
  const d = parseJson(bytes);
  if (!isObj(d)) return null;
  return cycloneDx(d) ?? spdx(d) ?? inToto(d, provenanceKeys) ?? riskAssessment(d);
}

export interface DerivableArtifact {
  id: string;
  name: string;
  sha256: string | null;
  docType: EvidenceDocType | null;
  subjects: string[];
  /** SLSA provenance: its signature check (null: none recorded, as for artifacts added before signatures were checked). */
  signature?: SignatureCheck | null;
}

/** Provenance counts only when its signature verified. */
const counts = (a: DerivableArtifact): boolean => a.docType !== 'slsa-provenance' || a.signature?.verified === true;

export type DerivedFlags = Record<ArtifactFlag, { value: boolean; reason: string }>;

const FLAG_DOCS: Record<ArtifactFlag, { types: EvidenceDocType[]; what: string }> = {
  sbom_present: { types: ['cyclonedx', 'spdx'], what: 'SBOM' },
  slsa_provenance_present: { types: ['slsa-provenance'], what: 'SLSA provenance' },
  risk_assessment_present: { types: ['risk-assessment'], what: 'risk assessment' },
};

/**
 * Flags of every artifact of one run, from the run's artifacts alone (so they are recomputed whole
 * whenever an artifact arrives: provenance may come after its subject):
 * - an artifact that IS an SBOM / risk assessment has that flag; a SLSA provenance statement has its
 *   flag only when a subject digest matches another artifact of the run;
 * - an artifact whose SHA-256 a document of the run names as its subject (SBOM component hash,
 *   provenance subject, risk-assessment subject) gets that document's flag too.
 */
export function deriveFlags(artifacts: DerivableArtifact[]): Map<string, DerivedFlags> {
  const out = new Map<string, DerivedFlags>();
  for (const a of artifacts) {
    const flags = {} as DerivedFlags;
    for (const f of ARTIFACT_FLAGS) {
      const { types, what } = FLAG_DOCS[f];
      let res: { value: boolean; reason: string } | null = null;
      if (a.docType && types.includes(a.docType)) {
        if (a.docType === 'slsa-provenance') {
          const matched = artifacts.filter((b) => b.id !== a.id && b.sha256 !== null && a.subjects.includes(b.sha256));
          res = !counts(a)
            ? { value: false, reason: `in-toto SLSA provenance that does not count: ${a.signature?.reason ?? 'its signature was not checked'}` }
            : matched.length
              ? { value: true, reason: `in-toto SLSA provenance (${a.signature!.reason}) for ${matched.map((b) => `${b.name} (${b.id})`).join(', ')}` }
              : { value: false, reason: 'in-toto SLSA provenance, but no subject digest matches another artifact of this run' };
        } else res = { value: true, reason: `the artifact is a ${what} document` };
      }
      if (!res?.value && a.sha256 !== null) {
        const docs = artifacts.filter((b) => b.id !== a.id && b.docType && types.includes(b.docType) && counts(b) && b.subjects.includes(a.sha256!));
        if (docs.length) res = { value: true, reason: `${what} ${docs.map((b) => `${b.name} (${b.id})`).join(', ')} names this artifact's SHA-256` };
      }
      flags[f] = res ?? { value: false, reason: `no ${what} of this run covers this artifact` };
    }
    out.set(a.id, flags);
  }
  return out;
}
