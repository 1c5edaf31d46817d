// The contract compatibility check when the built-in contracts are sealed (npm run seal): a minor
// or patch that breaks the version sealed before is refused and the sealed bundle stays as it was.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../platform/test-utils';
import { sealResources } from './seal';

const REPO_RESOURCES = join(__dirname, '..', '..', '..', '..', 'resources');
const SITE = 'field.inspect.site@1.2.0';
type Doc = { contract: string; schema: { required: string[]; properties: Record<string, Record<string, unknown>> } };

describe('sealing contracts: compatibility with the version sealed before', () => {
  it('refuses a patch that removes a field, keeps the sealed bundle, then seals a compatible minor', { timeout: 30_000 }, async () => {
    const dir = tempDir('maestro-seal-compat-');
    for (const d of ['policy', 'workflows', 'contracts', 'trust']) cpSync(join(REPO_RESOURCES, d), join(dir, 'resources', d), { recursive: true });
    const res = join(dir, 'resources');
    const out = join(res, 'bundles');
    const now = new Date('2026-12-01T10:00:00Z');
    await sealResources({ resourcesDir: res, outDir: out, now, appVersion: '0.1.0' });
    const sealed = readFileSync(join(out, 'maestro.contracts', 'metadata', 'targets.json'));

    // The author replaces 1.2.0 by 1.2.1 without the photos field: the sealed 1.2.0 is the previous version.
    const doc = JSON.parse(readFileSync(join(res, 'contracts', `${SITE}.json`), 'utf8')) as Doc;
    rmSync(join(res, 'contracts', `${SITE}.json`));
    const patch = structuredClone(doc);
    patch.contract = 'field.inspect.site@1.2.1';
    delete patch.schema.properties.photos;
    writeFileSync(join(res, 'contracts', `${patch.contract}.json`), JSON.stringify(patch));
    const later = new Date(now.getTime() + 60_000);
    await expect(sealResources({ resourcesDir: res, outDir: out, now: later, appVersion: '0.1.0' })).rejects.toMatchObject({
      code: 'CONTRACT_NOT_COMPATIBLE',
      details: { changes: [{ contract: 'field.inspect.site@1.2.1', previous: SITE, path: '/photos', kind: 'property-removed' }] },
    });
    expect(readFileSync(join(out, 'maestro.contracts', 'metadata', 'targets.json'))).toEqual(sealed);

    // A compatible minor (one more optional field) seals.
    rmSync(join(res, 'contracts', `${patch.contract}.json`));
    const minor = structuredClone(doc);
    minor.contract = 'field.inspect.site@1.3.0';
    minor.schema.properties.weather = { type: 'string' };
    writeFileSync(join(res, 'contracts', `${minor.contract}.json`), JSON.stringify(minor));
    const r = await sealResources({ resourcesDir: res, outDir: out, now: later, appVersion: '0.1.0' });
    expect(r.find((x) => x.name === 'maestro.contracts')).toMatchObject({ sealed: true, reason: 'content changed' });
  });
});
