import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync, hash } from 'node:crypto';
import { DEFAULT_RESOURCES_DIR } from '../../app/deps';
import { devProvenanceKey, signStatement } from './testing';
import { makeServices, tempDir } from '../../platform/test-utils';
import type { Services } from '../../app/services';
import { prepareDevice, report, REPORT_WF, runServiceFor, wallClock } from '../runs/test-helpers';
import { allowAllGuard, fakeGuard } from '../runs/testing';
import { createDispatcher } from '../../app/dispatch';
import { createEvidenceService, ruleFromParams, type GatePolicySource } from './index';
import { recognise } from './derive';
import { DEFAULT_RELEASE_GATE_RULE } from '../../../shared/evidence/types';
import { msg } from '../../../shared/messages';

const open: Services[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

async function device(opts: { fail?: boolean } = {}) {
  const w = wallClock();
  const s = makeServices({ dataDir: tempDir(), clock: w.clock });
  open.push(s);
  prepareDevice(s);
  const runs = runServiceFor(s, { guard: opts.fail ? fakeGuard({ denyActions: ['step.execute:submit'], approvalInvariant: false }) : allowAllGuard() });
  const run = await runs.start({ workflow: REPORT_WF, input: report() });
  return { s, run, actor: s.profile.actor() };
}

const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64');
const sha = (x: unknown) => hash('sha256', typeof x === 'string' ? x : JSON.stringify(x), 'hex');
const count = (s: Services, sql: string, ...p: unknown[]) =>
  s.db
    .prepare(sql)
    .pluck()
    .get(...p) as number;
const audits = (s: Services, action: string) => s.audit.list({ limit: 10_000, action }).entries;

const BINARY = 'release bundle v1.0.0 bytes';
const cyclonedx = (subject?: string) => ({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  metadata: { component: { type: 'application', name: 'bundle', ...(subject ? { hashes: [{ alg: 'SHA-256', content: subject }] } : {}) } },
  components: [],
});
const spdxDoc = (subject?: string) => ({
  spdxVersion: 'SPDX-2.3',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'bundle',
  dataLicense: 'CC0-1.0',
  documentDescribes: ['SPDXRef-Package-bundle'],
  packages: [{ SPDXID: 'SPDXRef-Package-bundle', name: 'bundle', ...(subject ? { checksums: [{ algorithm: 'SHA256', checksumValue: subject }] } : {}) }],
});
const provenance = (subject: string, type = 'https://in-toto.io/Statement/v1') => ({
  _type: type,
  subject: [{ name: 'bundle.tgz', digest: { sha256: subject } }],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: { buildDefinition: { buildType: 'https://example.com/build@v1' }, runDetails: { builder: { id: 'https://example.com/builder' } } },
});
/** The statement in a DSSE envelope signed with the development provenance key (listed by the policy). */
const KEY = devProvenanceKey(DEFAULT_RESOURCES_DIR);
const signed = (subject: string) => signStatement(provenance(subject), KEY);
const risk = (subject?: string) => ({
  type: 'risk-assessment',
  riskLevel: 'low',
  assessedBy: 'sec@example.com',
  assessedAt: '2026-11-01T09:00:00Z',
  findings: [],
  ...(subject ? { subjects: [{ name: 'bundle.tgz', digest: { sha256: subject } }] } : {}),
});
const ALL = { sbom_present: true, slsa_provenance_present: true, risk_assessment_present: true };

describe('flag derivation', () => {
  it('recognises CycloneDX, SPDX, in-toto SLSA provenance (v0.1, v1, DSSE) and risk documents; garbage is nothing', () => {
    expect(recognise(Buffer.from(JSON.stringify(cyclonedx(sha(BINARY)))))).toMatchObject({ docType: 'cyclonedx', subjects: [sha(BINARY)] });
    expect(recognise(Buffer.from(JSON.stringify(spdxDoc(sha(BINARY)))))).toMatchObject({ docType: 'spdx', subjects: [sha(BINARY)] });
    expect(recognise(Buffer.from(JSON.stringify(provenance(sha(BINARY), 'https://in-toto.io/Statement/v0.1'))))).toMatchObject({ docType: 'slsa-provenance' });
    const dsse = { payloadType: 'application/vnd.in-toto+json', payload: b64(provenance(sha(BINARY))), signatures: [] };
    expect(recognise(Buffer.from(JSON.stringify(dsse)))).toMatchObject({ docType: 'slsa-provenance', subjects: [sha(BINARY)], signature: { verified: false } });
    expect(recognise(Buffer.from(JSON.stringify(risk())))).toMatchObject({ docType: 'risk-assessment', subjects: [] });
    for (const bad of [
      '{"bomFormat": "CycloneDX", "specVersion": ',
      'not json',
      '[]',
      JSON.stringify({ bomFormat: 'CycloneDX' }),
      JSON.stringify({ ...provenance(sha(BINARY)), predicateType: 'https://example.com/other' }),
      JSON.stringify({ ...risk(), riskLevel: 'extreme' }),
      JSON.stringify({ ...risk(), findings: 'none' }),
      JSON.stringify({ spdxVersion: 'SPDX-2.3' }),
    ])
      expect(recognise(Buffer.from(bad))).toBeNull();
  });

  it('CycloneDX and SPDX files are SBOMs; an SBOM naming an artifact gives it sbom_present; garbage JSON gets no flag', async () => {
    const { s, run, actor } = await device();
    const bin = s.evidence.addArtifact(run.id, { name: 'bundle.tgz', dataBase64: b64(BINARY) }, actor);
    expect(bin).toMatchObject({ kind: 'file', sha256: sha(BINARY), bytes: BINARY.length, docType: null });
    expect(bin.flags.sbom_present).toMatchObject({ value: false, source: 'derived' });
    const cdx = s.evidence.addArtifact(run.id, { name: 'bom.cdx.json', dataBase64: b64(cyclonedx(sha(BINARY))), mediaType: 'application/json' }, actor);
    expect(cdx.flags.sbom_present).toMatchObject({ value: true, source: 'derived' });
    const spdx = s.evidence.addArtifact(run.id, { name: 'bom.spdx.json', dataBase64: b64(spdxDoc()) }, actor);
    expect(spdx).toMatchObject({ docType: 'spdx', flags: { sbom_present: { value: true, source: 'derived' } } });
    const garbage = s.evidence.addArtifact(run.id, { name: 'bom.json', dataBase64: b64('{"bomFormat":"CycloneDX", oops') }, actor);
    expect(garbage.docType).toBeNull();
    expect(Object.values(garbage.flags).map((f) => f.value)).toEqual([false, false, false]);
    const list = s.evidence.listArtifacts(run.id);
    expect(list.find((a) => a.id === bin.id)!.flags.sbom_present).toMatchObject({ value: true, source: 'derived', reason: expect.stringContaining(cdx.id) });
    // Stored content-addressed in the attachment store.
    expect(s.capture.attachments.read(sha(BINARY)).bytes.toString()).toBe(BINARY);
    expect(audits(s, 'artifact.added')).toHaveLength(4);
  });

  it('in-toto provenance: flagged when a subject digest matches another artifact of the run (even one added later); not on a mismatch', async () => {
    const { s, run, actor } = await device();
    const prov = s.evidence.addArtifact(run.id, { name: 'bundle.intoto.json', dataBase64: b64(signed(sha(BINARY))) }, actor);
    expect(prov.signature).toMatchObject({ verified: true, by: KEY.keyid });
    expect(prov.flags.slsa_provenance_present).toMatchObject({ value: false, source: 'derived' });
    const bin = s.evidence.addArtifact(run.id, { name: 'bundle.tgz', dataBase64: b64(BINARY) }, actor);
    expect(bin.flags.slsa_provenance_present).toMatchObject({ value: true, source: 'derived' });
    const byId = new Map(s.evidence.listArtifacts(run.id).map((a) => [a.id, a]));
    expect(byId.get(prov.id)!.flags.slsa_provenance_present).toMatchObject({ value: true, reason: expect.stringContaining(bin.id) });
    expect(audits(s, 'artifact.added')[0]!.payload).toMatchObject({ rederived: [prov.id] });

    const other = await device();
    const mismatch = other.s.evidence.addArtifact(other.run.id, { name: 'p.json', dataBase64: b64(signed('a'.repeat(64))) }, other.actor);
    other.s.evidence.addArtifact(other.run.id, { name: 'bundle.tgz', dataBase64: b64(BINARY) }, other.actor);
    expect(other.s.evidence.listArtifacts(other.run.id).map((a) => a.flags.slsa_provenance_present.value)).toEqual([false, false]);
    expect(mismatch.docType).toBe('slsa-provenance');
  });

  it('provenance counts only when its signature verifies with a key the policy lists: bare, unsigned, forged, wrong-key and keyless statements do not', async () => {
    const { s, run, actor } = await device();
    const d = sha(BINARY);
    const stranger = { keyid: 'f'.repeat(64), privateKey: generateKeyPairSync('ed25519').privateKey };
    const good = signed(d);
    const forged = { ...good, payload: b64({ ...provenance(d), subject: [{ name: 'evil', digest: { sha256: d } }] }) };
    const keyless = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { certificate: { rawBytes: 'AAAA' } },
      dsseEnvelope: good,
    };
    const cases: [string, unknown, RegExp][] = [
      ['bare statement', provenance(d), /carries no signature/],
      ['envelope without signatures', { ...good, signatures: [] }, /no signature/],
      ['payload changed after signing', forged, /no signature verifies/],
      ['signed by a key the policy does not list', signStatement(provenance(d), stranger), /no signature verifies/],
      ['keyless Sigstore bundle', keyless, /cannot be verified offline/],
    ];
    for (const [what, doc, why] of cases) {
      const a = s.evidence.addArtifact(run.id, { name: `${what}.json`, dataBase64: b64(doc) }, actor);
      expect({ what, signature: a.signature }).toMatchObject({ what, signature: { verified: false } });
      expect(a.signature!.reason).toMatch(why);
    }
    const bin = s.evidence.addArtifact(run.id, { name: 'bundle.tgz', dataBase64: b64(BINARY) }, actor);
    expect(bin.flags.slsa_provenance_present).toMatchObject({ value: false });
    // A Sigstore bundle naming a listed public key verifies like its envelope.
    const keyed = { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: { publicKey: { hint: KEY.keyid } }, dsseEnvelope: good };
    const sb = s.evidence.addArtifact(run.id, { name: 'prov.sigstore.json', dataBase64: b64(keyed) }, actor);
    expect(sb.signature).toMatchObject({ verified: true, by: KEY.keyid });
    const after = s.evidence.listArtifacts(run.id).find((a) => a.id === bin.id)!;
    expect(after.flags.slsa_provenance_present).toMatchObject({ value: true, reason: expect.stringContaining(sb.id) });
  });

  it('a risk document is a risk assessment; manual flags are recorded as manual and never re-derived', async () => {
    const { s, run, actor } = await device();
    const r = s.evidence.addArtifact(run.id, { name: 'risk.json', dataBase64: b64(risk()) }, actor);
    expect(r.flags.risk_assessment_present).toMatchObject({ value: true, source: 'derived' });
    const m = s.evidence.addArtifact(
      run.id,
      { name: 'bundle', uri: 's3://releases/bundle-v1.0.0.tgz', flags: { sbom_present: true, risk_assessment_present: false } },
      actor,
    );
    expect(m).toMatchObject({ kind: 'uri', sha256: null, uri: 's3://releases/bundle-v1.0.0.tgz' });
    expect(m.flags.sbom_present).toMatchObject({ value: true, source: 'manual', reason: expect.stringContaining('by hand') });
    expect(m.flags.risk_assessment_present).toMatchObject({ value: false, source: 'manual' });
    expect(m.flags.slsa_provenance_present.source).toBe('derived');
    // A manual "absent" wins over derivation.
    const doc = s.evidence.addArtifact(run.id, { name: 'risk2.json', dataBase64: b64(risk()), flags: { risk_assessment_present: false } }, actor);
    expect(doc.flags.risk_assessment_present).toMatchObject({ value: false, source: 'manual' });
    expect(audits(s, 'artifact.added').find((e) => e.subject === m.id)!.payload).toMatchObject({ flags: { sbom_present: { value: true, source: 'manual' } } });
  });

  it('refuses an unknown run, both or neither of file and URI, an empty or oversized file: nothing stored', async () => {
    const { s, run, actor } = await device();
    const before = audits(s, 'artifact.added').length;
    expect(() => s.evidence.addArtifact('run_nope', { name: 'x', uri: 'https://x' }, actor)).toThrow(/No run/);
    expect(() => s.evidence.addArtifact(run.id, { name: 'x', uri: 'https://x', dataBase64: b64('x') }, actor)).toThrow(/exactly one/);
    expect(() => s.evidence.addArtifact(run.id, { name: 'x' }, actor)).toThrow(/exactly one/);
    expect(() => s.evidence.addArtifact(run.id, { name: 'x', dataBase64: '' }, actor)).toThrow(/Empty/);
    expect(() => s.evidence.addArtifact(run.id, { name: 'x', dataBase64: Buffer.alloc(10 * 1024 * 1024 + 1).toString('base64') }, actor)).toThrow(/10 MiB/);
    expect(count(s, 'SELECT count(*) FROM run_artifacts')).toBe(0);
    expect(audits(s, 'artifact.added').length).toBe(before);
  });
});

describe('release gate (the design notes cases)', () => {
  it('passes: succeeded run, one artifact with all three flags; writes a GREEN card, a row and an audit entry', async () => {
    const { s, run, actor } = await device();
    expect(run.status).toBe('succeeded');
    const a = s.evidence.addArtifact(run.id, { name: 'bundle', uri: 's3://releases/bundle-v1.0.0.tgz', flags: ALL }, actor);
    const g = s.evidence.releaseGate(run.id, actor);
    expect(g).toMatchObject({
      passed: true,
      message: 'Release gate passed: 1 compliant artifact(s) found',
      details: { total: 1, compliant: 1, compliantIds: [a.id], manualCompliantIds: [a.id], missing: [], ruleSource: 'default' },
    });
    const card = s.runs.cards.get(g.cardId);
    expect(card).toMatchObject({
      kind: 'release.gate',
      runId: run.id,
      lane: 'GREEN',
      chosen: 'pass',
      status: 'allowed',
      evidence: { bundleDigests: [], memoryIds: [], modelId: null },
    });
    expect(card.options.map((o) => o.id)).toEqual(['pass', 'fail']);
    expect(card.options.map((o) => o.labelWords)).toEqual([{ text: msg('system.gate.pass_option') }, { text: msg('system.gate.fail_option') }]);
    expect(card.subjectWords).toEqual({ text: msg('system.gate.subject', { run: run.id }) });
    // Lane reasons as messages, like the policy guard's (the flags were set by hand).
    expect(card.laneReasons).toEqual([msg('guard.lane.gate_compliant', { n: 1 }), msg('guard.lane.gate_manual', { n: 1 })]);
    expect(card.invariants.every((i) => i.pass)).toBe(true);
    expect(card.invariants.map((i) => i.id)).toContain('INV.RELEASE.RUN_SUCCEEDED');
    expect(count(s, 'SELECT count(*) FROM release_gate_evaluations WHERE run_id = ? AND card_id = ?', run.id, g.cardId)).toBe(1);
    expect(audits(s, 'release.gate.evaluated')[0]).toMatchObject({ subject: run.id, payload: { passed: true, card: g.cardId } });
    expect(s.evidence.complianceReport(run.id)).toMatchObject({
      runStatus: 'succeeded',
      compliantIds: [a.id],
      missing: [],
      lastEvaluation: { id: g.id, passed: true },
    });
  });

  it('passes on derived evidence alone: a binary named by an SBOM, a provenance statement and a risk assessment', async () => {
    const { s, run, actor } = await device();
    const d = sha(BINARY);
    s.evidence.addArtifact(run.id, { name: 'bom.cdx.json', dataBase64: b64(cyclonedx(d)) }, actor);
    s.evidence.addArtifact(run.id, { name: 'prov.json', dataBase64: b64(signed(d)) }, actor);
    s.evidence.addArtifact(run.id, { name: 'risk.json', dataBase64: b64(risk(d)) }, actor);
    expect(s.evidence.releaseGate(run.id, actor).passed).toBe(false);
    const bin = s.evidence.addArtifact(run.id, { name: 'bundle.tgz', dataBase64: b64(BINARY) }, actor);
    expect(Object.values(bin.flags).map((f) => [f.value, f.source])).toEqual([
      [true, 'derived'],
      [true, 'derived'],
      [true, 'derived'],
    ]);
    const g = s.evidence.releaseGate(run.id, actor);
    expect(g).toMatchObject({ passed: true, details: { compliantIds: [bin.id], manualCompliantIds: [] } });
    // One card and one row per evaluation.
    expect(
      s.runs.cards
        .forRun(run.id)
        .filter((c) => c.kind === 'release.gate')
        .map((c) => c.chosen),
    ).toEqual(['fail', 'pass']);
    expect(count(s, 'SELECT count(*) FROM release_gate_evaluations WHERE run_id = ?', run.id)).toBe(2);
  });

  it('fails with no artifacts', async () => {
    const { s, run, actor } = await device();
    const g = s.evidence.releaseGate(run.id, actor);
    expect(g).toMatchObject({ passed: false, message: 'Release gate failed: no artifacts found', details: { total: 0, compliant: 0, compliantIds: [] } });
    const card = s.runs.cards.get(g.cardId);
    expect(card).toMatchObject({ lane: 'YELLOW', chosen: 'fail', status: 'denied' });
    expect(card.invariants.filter((i) => !i.pass).map((i) => i.id)).toContain('INV.RELEASE.COMPLIANT_ARTIFACTS');
    // What is missing, one message each (the API's `missing` keeps the sentences); the first is the next step.
    const noFlags = DEFAULT_RELEASE_GATE_RULE.requiredFlags.map((flag) => msg('guard.lane.gate_no_flag', { flag }));
    const tooFew = msg('guard.lane.gate_too_few', { compliant: 0, required: 1, flags: DEFAULT_RELEASE_GATE_RULE.requiredFlags.join(', ') });
    expect(card.laneReasons).toEqual([msg('guard.lane.gate_no_artifacts'), ...noFlags, tooFew]);
    expect(card.nextSafeStep).toEqual(msg('guard.lane.gate_no_artifacts'));
    expect(g.details.missing[0]).toBe('The run has no artifacts.');
  });

  it('fails with incomplete flags', async () => {
    const { s, run, actor } = await device();
    s.evidence.addArtifact(run.id, { name: 'a', uri: 'https://x/a', flags: { sbom_present: true, slsa_provenance_present: true } }, actor);
    const g = s.evidence.releaseGate(run.id, actor);
    expect(g).toMatchObject({ passed: false, details: { total: 1, compliant: 0 } });
    expect(g.details.missing.join(' ')).toMatch(/risk_assessment_present/);
    expect(s.runs.cards.get(g.cardId).invariants.find((i) => i.id === 'INV.RELEASE.FLAG.RISK_ASSESSMENT_PRESENT')).toMatchObject({ pass: false });
    expect(s.evidence.complianceReport(run.id).missing.join(' ')).toMatch(/risk_assessment_present/);
  });

  it('fails when the run did not succeed (RED lane)', async () => {
    const { s, run, actor } = await device({ fail: true });
    expect(['failed', 'rolled_back']).toContain(run.status);
    s.evidence.addArtifact(run.id, { name: 'a', uri: 'https://x/a', flags: ALL }, actor);
    const g = s.evidence.releaseGate(run.id, actor);
    expect(g).toMatchObject({ passed: false, message: `Release gate failed: run status is ${run.status}, not succeeded`, details: { compliant: 1 } });
    expect(s.runs.cards.get(g.cardId)).toMatchObject({ lane: 'RED', chosen: 'fail', laneReasons: [msg('guard.lane.gate_run_ended', { status: run.status })] });
  });
});

describe('release-gate rule from policy params', () => {
  it('reads params.releaseGate or the flat keys, refuses a malformed one (fail closed)', async () => {
    expect(ruleFromParams(null)).toEqual({ rule: DEFAULT_RELEASE_GATE_RULE, fromPolicy: false, error: null });
    expect(ruleFromParams({ releaseGate: { requiredFlags: ['sbom_present'], minCompliantArtifacts: 2 } }).rule).toEqual({
      requireRunSucceeded: true,
      requiredFlags: ['sbom_present'],
      minCompliantArtifacts: 2,
    });
    expect(ruleFromParams({ releaseGateRequireRunSucceeded: false }).rule).toMatchObject({ requireRunSucceeded: false, minCompliantArtifacts: 1 });
    expect(ruleFromParams({ releaseGate: { requiredFlags: ['nope'] } }).error).toMatch(/requiredFlags/);

    const { s, run, actor } = await device({ fail: true });
    let params: Record<string, unknown> = { releaseGate: { requireRunSucceeded: false, requiredFlags: ['sbom_present'] } };
    const policy: GatePolicySource = { params: () => params, version: () => 'p-7' };
    const ev = createEvidenceService({
      db: s.db,
      clock: s.clock,
      audit: s.audit,
      cards: s.runs.cards,
      runs: s.runs,
      attachments: s.capture.attachments,
      policy,
    });
    ev.addArtifact(run.id, { name: 'bom.json', dataBase64: b64(cyclonedx()) }, actor);
    expect(ev.releaseGate(run.id, actor)).toMatchObject({
      passed: true,
      details: { ruleSource: 'policy p-7 params.releaseGate', rule: { requiredFlags: ['sbom_present'] } },
    });
    params = { releaseGate: { minCompliantArtifacts: -1 } };
    const g = ev.releaseGate(run.id, actor);
    expect(g.passed).toBe(false);
    expect(s.runs.cards.get(g.cardId)).toMatchObject({ lane: 'RED', policy: { policyVersion: 'p-7' } });
  });
});

describe('API channels', () => {
  it('artifacts.add / list, release.gate / report through the dispatcher; bad input changes nothing', async () => {
    const { s, run } = await device();
    const api = createDispatcher(s);
    const fp = () => [count(s, 'SELECT count(*) FROM run_artifacts'), count(s, 'SELECT count(*) FROM release_gate_evaluations'), s.audit.head()?.seq];
    const before = fp();
    for (const bad of [
      { runId: run.id, name: 'x' },
      { runId: run.id, name: 'x', uri: 'https://x', dataBase64: 'eA==' },
      { runId: run.id, name: 'x', dataBase64: 'not base64!' },
      { runId: run.id, name: 'x', uri: 'https://x', flags: { sbom_present: 'yes' } },
      { runId: run.id, name: 'x', uri: 'https://x', flags: { other: true } },
      { runId: run.id, name: '   ', uri: 'https://x' },
      { runId: run.id, name: 'x', uri: 'no scheme' },
      { runId: run.id, name: 'x', uri: 'https://x', extra: 1 },
    ]) {
      const r = await api('artifacts.add', bad);
      expect(r, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    }
    expect(await api('artifacts.add', { runId: 'run_missing', name: 'x', uri: 'https://x' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await api('release.gate', { runId: 'run_missing' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await api('release.gate', {})).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(fp()).toEqual(before);

    const add = await api('artifacts.add', { runId: run.id, name: 'bundle', uri: 's3://r/b.tgz', flags: ALL });
    expect(add).toMatchObject({ ok: true, data: { artifact: { kind: 'uri', flags: { sbom_present: { value: true, source: 'manual' } } } } });
    expect(await api('artifacts.add', { runId: run.id, name: 'bom.json', dataBase64: b64(cyclonedx()) })).toMatchObject({
      ok: true,
      data: { artifact: { docType: 'cyclonedx' } },
    });
    expect(await api('artifacts.list', { runId: run.id })).toMatchObject({ ok: true, data: { artifacts: [{ name: 'bundle' }, { name: 'bom.json' }] } });
    const gate = await api('release.gate', { runId: run.id });
    expect(gate).toMatchObject({ ok: true, data: { passed: true, details: { total: 2, compliant: 1 } } });
    expect(await api('release.report', { runId: run.id })).toMatchObject({ ok: true, data: { runStatus: 'succeeded', lastEvaluation: { passed: true } } });
    const entry = audits(s, 'artifact.added')[0]!;
    expect(entry.actor).toBe(s.profile.actor());
  });
});
