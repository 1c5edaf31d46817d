// npm run bundle add --kind contracts: a minor or patch that breaks the bundle's previous targets
// (or a --previous directory) is refused with the change list, and targets/ is left as it was.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../src/main/platform/test-utils';
import { main } from './bundle';

const RESOURCES = join(import.meta.dirname, '..', 'resources', 'contracts');
type Doc = { contract: string; schema: { required: string[]; properties: Record<string, Record<string, unknown>> } };
const site = (version: string, f: (d: Doc) => void = () => {}): Doc => {
  const d = JSON.parse(readFileSync(join(RESOURCES, 'field.inspect.site@1.2.0.json'), 'utf8')) as Doc;
  d.contract = `field.inspect.site@${version}`;
  f(d);
  return d;
};

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, '--json'], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, err: err.join('\n'), json: JSON.parse(out[out.length - 1] ?? '{}') as Record<string, unknown> };
}

function content(dir: string, docs: Doc[]): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of docs) writeFileSync(join(dir, `${d.contract}.json`), JSON.stringify(d));
  return dir;
}

describe('npm run bundle add --kind contracts', () => {
  it('refuses a breaking minor against the previous targets, with the changes; a compatible one is added', async () => {
    const work = tempDir('maestro-bundle-contracts-');
    const bundle = join(work, 'bundle');
    const add = (from: string, version: string, ...more: string[]) =>
      run('add', '--bundle', bundle, '--from', from, '--name', 'maestro.contracts', '--kind', 'contracts', '--version', version, ...more);
    expect((await add(content(join(work, 'c1'), [site('1.2.0')]), '1.0.0')).code).toBe(0);
    const targets = readFileSync(join(bundle, 'metadata', 'targets.json'));

    const narrowed = site('1.3.0', (d) => (d.schema.properties.condition!.enum = ['good', 'fair']));
    const refused = await add(content(join(work, 'c2'), [narrowed]), '1.1.0');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^REFUSED CONTRACT_NOT_COMPATIBLE: field\.inspect\.site@1\.3\.0 \(after field\.inspect\.site@1\.2\.0\)/);
    expect(refused.json).toMatchObject({
      ok: false,
      code: 'CONTRACT_NOT_COMPATIBLE',
      changes: [{ path: '/condition', kind: 'enum-narrowed', before: ['poor', 'unsafe'] }],
    });
    expect(readFileSync(join(bundle, 'metadata', 'targets.json'))).toEqual(targets);

    const wider = site('1.3.0', (d) => (d.schema.properties.condition!.enum = ['good', 'fair', 'poor', 'unsafe', 'closed']));
    expect((await add(content(join(work, 'c3'), [wider]), '1.1.0')).code).toBe(0);
  });

  it('checks against --previous (the published bundle) in a fresh bundle directory', async () => {
    const work = tempDir('maestro-bundle-contracts-');
    const published = content(join(work, 'published'), [site('1.2.0')]);
    const breaking = content(join(work, 'c'), [site('1.2.1', (d) => d.schema.required.push('notes'))]);
    const r = await run(
      'add',
      '--bundle',
      join(work, 'b'),
      '--from',
      breaking,
      '--name',
      'maestro.contracts',
      '--kind',
      'contracts',
      '--version',
      '1.0.1',
      '--previous',
      published,
    );
    expect(r.json).toMatchObject({ code: 'CONTRACT_NOT_COMPATIBLE', changes: [{ path: '/notes', kind: 'required-added' }] });
  });
});
