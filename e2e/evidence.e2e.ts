// Evidence for a succeeded run in the browser: the release gate fails with no artifacts; a binary plus
// a CycloneDX SBOM, a signed in-toto SLSA provenance statement and a risk assessment naming its SHA-256
// derive all three flags and the gate passes; the disclosure pack exports and verifies both in the app
// and with the standalone scripts/verify-pack.mjs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createProfile, enrollInUi, hostSuite, newDataDir } from './harness';
import { enrollToken, freePort } from '../test/integration/server-process';
import { devProvenanceKey, signStatement } from '../src/main/features/evidence/testing';
import { DEFAULT_RESOURCES_DIR } from '../src/main/app/deps';

const suite = hostSuite();

describe('run artifacts, release gate and disclosure pack (web host + server process)', () => {
  it('fails the gate without evidence, passes it on derived flags, and exports a pack that verifies', async () => {
    const serverDir = newDataDir();
    const port = await freePort();
    const server = await suite.startServer(serverDir, port);
    const token = enrollToken(serverDir, port, 'acme', 'rita@acme', 'reviewer');

    const page = await suite.browser.newPage({ viewport: { width: 1500, height: 1100 } });
    await page.goto(suite.host.launchUrl);
    const nav = await createProfile(page, 'Rita Reviewer', 'acme');
    await enrollInUi(page, nav, server.url, token, 'rita@acme');
    await expect.poll(() => page.getByTestId('submit-freshness').textContent(), { timeout: 15000 }).toMatch(/Submissions allowed/);

    // A succeeded run: a report with minor issues runs to the end with no approval (a RED one would
    // wait for another reviewer: four eyes, runs.e2e.ts).
    await nav.getByRole('button', { name: 'Runs' }).click();
    await page.getByLabel('Workflow').selectOption('site-inspection-report@1.0.0');
    await page.getByLabel('Report ID').fill('RPT-2026-077');
    await page.getByRole('button', { name: 'Add to Sites covered' }).click();
    await page.getByRole('textbox', { name: 'Site ID' }).fill('PS-7');
    await page.getByRole('group', { name: 'Period' }).getByLabel('From').fill('2026-11-01');
    await page.getByRole('group', { name: 'Period' }).getByLabel('To').fill('2026-11-20');
    await page.getByLabel('Conclusion').selectOption('minor-issues');
    await page.getByLabel('Summary').fill('Pump station 7: light corrosion on the inlet valve; a follow-up visit is booked.');
    await page.getByRole('group', { name: 'Submitted by' }).getByLabel('Name', { exact: true }).fill('Rita Reviewer');
    await page.getByRole('button', { name: 'Start run' }).click();

    const detail = page.getByTestId('run-detail');
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 20000 }).toBe('succeeded');

    // (1) No artifacts: the gate fails.
    const artifacts = detail.getByRole('region', { name: 'Artifacts' });
    const gate = artifacts.getByTestId('gate-result');
    await artifacts.getByRole('button', { name: 'Evaluate release gate' }).click();
    await expect.poll(() => gate.getAttribute('data-passed'), { timeout: 10000 }).toBe('false');

    // (2) A binary and three evidence documents naming its SHA-256.
    const binary = Buffer.from(`MAESTRO-BINARY\0${'x'.repeat(4096)}\0release 1.0.0\n`, 'utf8');
    const sha = createHash('sha256').update(binary).digest('hex');
    const sbom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      metadata: { component: { type: 'application', name: 'pumpctl', version: '1.0.0', hashes: [{ alg: 'SHA-256', content: sha }] } },
      components: [],
    };
    const provenance = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'pumpctl-1.0.0.bin', digest: { sha256: sha } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: {
        buildDefinition: { buildType: 'https://example.com/build/v1', externalParameters: {} },
        runDetails: { builder: { id: 'https://ci.example.com/builder' } },
      },
    };
    const risk = {
      type: 'risk-assessment',
      riskLevel: 'low',
      assessedBy: 'rita@acme',
      assessedAt: '2026-11-21T09:00:00Z',
      findings: [],
      subjects: [{ name: 'pumpctl-1.0.0.bin', digest: { sha256: sha } }],
    };
    const files: { name: string; mimeType: string; buffer: Buffer }[] = [
      { name: 'pumpctl-1.0.0.bin', mimeType: 'application/octet-stream', buffer: binary },
      { name: 'sbom.cdx.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(sbom)) },
      // Signed (DSSE) with the development provenance key the development policy lists: only then does it count.
      {
        name: 'provenance.intoto.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(signStatement(provenance, devProvenanceKey(DEFAULT_RESOURCES_DIR)))),
      },
      { name: 'risk.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(risk)) },
    ];
    const rows = artifacts.locator('li[data-artifact]');
    for (const [i, f] of files.entries()) {
      await artifacts.locator('input[type=file]').setInputFiles(f);
      await artifacts.getByRole('button', { name: 'Add artifact' }).click();
      await expect.poll(() => rows.count(), { timeout: 10000 }).toBe(i + 1);
    }
    expect(await artifacts.getByRole('alert').count()).toBe(0);

    const binRow = rows.filter({ hasText: 'pumpctl-1.0.0.bin' });
    expect(await binRow.textContent()).toContain(`sha256:${sha.slice(0, 12)}`);
    const flags = binRow.locator('[data-flag]');
    await expect
      .poll(() => flags.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-flag')}=${e.getAttribute('data-value')}/${e.getAttribute('data-source')}`)))
      .toEqual(['sbom_present=true/derived', 'slsa_provenance_present=true/derived', 'risk_assessment_present=true/derived']);
    expect(await binRow.textContent()).not.toContain('set by hand');

    await artifacts.getByRole('button', { name: 'Evaluate release gate' }).click();
    await expect.poll(() => gate.getAttribute('data-passed'), { timeout: 10000 }).toBe('true');
    expect(await gate.textContent()).toContain('Release gate passed');
    await expect.poll(() => binRow.getAttribute('data-compliant')).toBe('true');

    // (3) Export the disclosure pack and verify it in the app.
    const packPanel = detail.getByRole('region', { name: 'Disclosure pack' });
    await packPanel.getByRole('button', { name: 'Export disclosure pack' }).click();
    const packResult = packPanel.getByTestId('pack-result');
    await packResult.waitFor({ timeout: 30000 });
    const packPath = (await packResult.locator('code').first().textContent())?.trim() ?? '';
    expect(packPath).toMatch(/\S+\.tgz$/);
    await packResult.getByRole('button', { name: 'Verify this pack' }).click();
    const packReport = packPanel.getByTestId('pack-report');
    await expect.poll(() => packReport.getAttribute('data-ok'), { timeout: 20000 }).toBe('true');
    expect(await packReport.textContent()).toContain('OK: the pack verifies');

    // (4) The standalone verifier agrees (execFileSync throws on a non-zero exit).
    const out = execFileSync(process.execPath, ['scripts/verify-pack.mjs', packPath], { encoding: 'utf8', timeout: 30000 });
    expect(out).toContain('OK: the pack verifies');
    await page.close();
  });
});
