// Evidence for `npm run demo`: a release artifact with its CycloneDX SBOM, SLSA provenance and risk
// assessment on Dana's finished run (every flag derived from content), a passing release gate, and
// a disclosure pack in <data>/exports that `node scripts/verify-pack.mjs` verifies (needs the sync
// server: the seed calls it only when enrolled).
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_RESOURCES_DIR, type Services } from '../src/main/app/services';
import { devProvenanceKey, signStatement } from '../src/main/features/evidence/testing';
import { exportPack } from '../src/main/features/evidence/pack/export';

export async function seedEvidence(s: Services, runId: string, actor: string): Promise<string> {
  const binary = randomBytes(64 * 1024);
  const sha = createHash('sha256').update(binary).digest('hex');
  const subject = { name: 'inspection-report-RPT-2026-101.pdf', digest: { sha256: sha } };
  const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2)).toString('base64');
  s.evidence.addArtifact(runId, { name: subject.name, dataBase64: binary.toString('base64'), mediaType: 'application/pdf' }, actor);
  s.evidence.addArtifact(
    runId,
    {
      name: 'sbom.cdx.json',
      mediaType: 'application/json',
      dataBase64: json({
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        version: 1,
        metadata: { component: { type: 'file', name: subject.name, hashes: [{ alg: 'SHA-256', content: sha }] } },
        components: [],
      }),
    },
    actor,
  );
  s.evidence.addArtifact(
    runId,
    {
      name: 'provenance.intoto.json',
      mediaType: 'application/json',
      // A DSSE envelope signed with the development provenance key, which the development policy lists.
      dataBase64: json(
        signStatement(
          {
            _type: 'https://in-toto.io/Statement/v1',
            subject: [subject],
            predicateType: 'https://slsa.dev/provenance/v1',
            predicate: { buildDefinition: { buildType: 'https://maestro.example/report@1' }, runDetails: { builder: { id: 'maestro-demo' } } },
          },
          devProvenanceKey(DEFAULT_RESOURCES_DIR),
        ),
      ),
    },
    actor,
  );
  s.evidence.addArtifact(
    runId,
    {
      name: 'risk-assessment.json',
      mediaType: 'application/json',
      dataBase64: json({
        type: 'risk-assessment',
        riskLevel: 'low',
        assessedBy: 'Dana Demo',
        assessedAt: '2026-11-20T15:00:00Z',
        findings: [],
        subjects: [subject],
      }),
    },
    actor,
  );
  const gate = s.evidence.releaseGate(runId, actor);
  // A sync anchors these entries too, so every proof in the pack is against a countersigned root.
  await s.sync.syncNow();
  const out = join(s.info.dataDir, 'exports', `pack-${runId}.tgz`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(s.info.dataDir, 'exports'), { recursive: true });
  const pack = await exportPack(s, runId, { out });
  return `release gate ${gate.passed ? 'passed' : 'failed'} (${gate.message}); disclosure pack ${pack.out} (${pack.files} files, ${pack.countersigned ? 'countersigned root' : 'root not countersigned'})`;
}
