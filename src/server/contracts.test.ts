// The server's contract registry refuses, at seeding, a minor or patch version that breaks the
// previous version of its major (CONTRACT_NOT_COMPATIBLE, with the changes) and registers nothing;
// a compatible minor and a breaking new major are registered.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContractsDirError, seedContracts } from './contracts';
import { sqliteBackend, type TestDb } from './testing/backends';

const RESOURCES = join(import.meta.dirname, '../../resources/contracts');
const SITE = 'field.inspect.site@1.2.0';
type Doc = { contract: string; schema: { required: string[]; properties: Record<string, Record<string, unknown>> } };

let db: TestDb | null = null;
afterEach(async () => {
  await db?.dispose();
  db = null;
});

async function dirWith(version: string, f: (d: Doc) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-srv-contracts-'));
  cpSync(RESOURCES, dir, { recursive: true });
  const d = JSON.parse(readFileSync(join(dir, `${SITE}.json`), 'utf8')) as Doc;
  d.contract = `field.inspect.site@${version}`;
  f(d);
  writeFileSync(join(dir, `${d.contract}.json`), JSON.stringify(d));
  db = await sqliteBackend.open();
  return dir;
}

describe('server contract registry: compatibility of new versions', () => {
  it('refuses a minor that narrows a range, with the change list, and registers nothing', async () => {
    const dir = await dirWith('1.3.0', (d) => (d.schema.properties.notes!.maxLength = 100));
    const err = await seedContracts(db!.storage, dir, new Date()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ContractsDirError);
    expect((err as Error).message).toMatch(/^CONTRACT_NOT_COMPATIBLE: field\.inspect\.site@1\.3\.0 \(after field\.inspect\.site@1\.2\.0\)/);
    expect((err as ContractsDirError).details).toMatchObject({
      code: 'CONTRACT_NOT_COMPATIBLE',
      changes: [{ path: '/notes', kind: 'range-narrowed', before: { maxLength: 4000 }, after: { maxLength: 100 } }],
    });
    expect(await db!.query('SELECT name, version FROM contract_versions')).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a compatible minor and a breaking new major', async () => {
    const dir = await dirWith('1.3.0', (d) => (d.schema.properties.notes!.maxLength = 8000));
    const d2 = JSON.parse(readFileSync(join(dir, `${SITE}.json`), 'utf8')) as Doc;
    d2.contract = 'field.inspect.site@2.0.0';
    d2.schema.required.push('notes');
    writeFileSync(join(dir, `${d2.contract}.json`), JSON.stringify(d2));
    const registry = await seedContracts(db!.storage, dir, new Date());
    expect(registry.map()['field.inspect.site']).toBe('2.0.0');
    const rows = await db!.query("SELECT version FROM contract_versions WHERE name = 'field.inspect.site' ORDER BY version");
    expect(rows.map((r) => r.version)).toEqual(['1.2.0', '1.3.0', '2.0.0']);
    rmSync(dir, { recursive: true, force: true });
  });
});
