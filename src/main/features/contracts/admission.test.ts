// The contract compatibility check at bundle install: a breaking minor is refused with the change
// list and changes nothing (the active version stays, the audit says why); a compatible minor and
// a breaking new major install; the refusal reaches the API as BUNDLE_REFUSED with the changes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../platform/test-utils';
import { makeRepo, makeStore } from '../bundles/testing';
import { dirReader } from '../bundles/verify';
import { BundleError } from '../../../shared/bundles/errors';
import { ContractRegistry } from './contract-loader';
import { contractsAdmission } from './admission';
import { ContractUpdates } from './contract-updates';

const RESOURCES = join(import.meta.dirname, '../../../../resources/contracts');
type Doc = { contract: string; schema: { required: string[]; properties: Record<string, Record<string, unknown>> } };
const site = (): Doc => JSON.parse(readFileSync(join(RESOURCES, 'field.inspect.site@1.2.0.json'), 'utf8')) as Doc;
const specimen = readFileSync(join(RESOURCES, 'lab.record.specimen@2.0.1.json'), 'utf8');

function setup() {
  const work = tempDir('maestro-compat-');
  const repo = makeRepo();
  const fx = makeStore({ dataDir: join(work, 'data'), root: repo.root, admit: contractsAdmission });
  let n = 0;
  /** Build and install a maestro.contracts bundle holding these documents (plus an unrelated contract). */
  const install = async (docs: Doc[]) => {
    n++;
    const out = join(work, `b${n}`);
    const files: Record<string, string> = { 'lab.record.specimen@2.0.1.json': specimen };
    for (const d of docs) files[`${d.contract}.json`] = JSON.stringify(d);
    repo.build(out, { name: 'maestro.contracts', kind: 'contracts', version: `0.${n}.0` }, files, { versions: { targets: n, snapshot: n, timestamp: n } });
    return fx.store.install(dirReader(out), { actor: 'user:test' });
  };
  /** Build without installing: the folder a server would offer. */
  const build = (docs: Doc[]) => {
    n++;
    const out = join(work, `b${n}`);
    const files: Record<string, string> = { 'lab.record.specimen@2.0.1.json': specimen };
    for (const d of docs) files[`${d.contract}.json`] = JSON.stringify(d);
    repo.build(out, { name: 'maestro.contracts', kind: 'contracts', version: `0.${n}.0` }, files, { versions: { targets: n, snapshot: n, timestamp: n } });
    return out;
  };
  const contracts = () => ContractRegistry.fromTree({ label: 'active', ...fx.store.active('maestro.contracts')! });
  return { fx, install, build, contracts, work };
}

const v = (version: string, f: (d: Doc) => void = () => {}): Doc => {
  const d = site();
  d.contract = `field.inspect.site@${version}`;
  f(d);
  return d;
};

describe('contract compatibility at bundle install', () => {
  it('refuses a minor that adds a required field and narrows an enum: change list, nothing installed, audited', async () => {
    const { fx, install, contracts } = await setup();
    const first = await install([v('1.2.0')]);
    const installsBefore = fx.store.report().bundles.length;
    const breaking = v('1.3.0', (d) => {
      d.schema.required.push('notes');
      d.schema.properties.condition!.enum = ['good', 'fair', 'poor'];
    });
    const err = await install([v('1.2.0'), breaking]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BundleError);
    const be = err as BundleError;
    expect(be.code).toBe('CONTRACT_NOT_COMPATIBLE');
    expect(be.details.changes).toEqual([
      expect.objectContaining({
        contract: 'field.inspect.site@1.3.0',
        previous: 'field.inspect.site@1.2.0',
        path: '/notes',
        kind: 'required-added',
        before: false,
        after: true,
      }),
      expect.objectContaining({ path: '/condition', kind: 'enum-narrowed', before: ['unsafe'] }),
    ]);
    // Nothing changed: the same active version, no new install, the registry still at 1.2.0.
    expect(fx.store.active('maestro.contracts')!.id).toBe(first.bundle.id);
    expect(fx.store.report().bundles.length).toBe(installsBefore);
    expect(contracts().versions()['field.inspect.site']).toBe('1.2.0');
    const audit = fx.audit.list({ limit: 5, action: 'bundle.refused' }).entries[0]!;
    expect(audit.payload).toMatchObject({ code: 'CONTRACT_NOT_COMPATIBLE', changes: [{ path: '/notes' }, { path: '/condition' }] });
    // The API shape the sealed-state view reads.
    expect(be.toApiError().toJSON()).toMatchObject({
      code: 'BUNDLE_REFUSED',
      details: { refusal: 'CONTRACT_NOT_COMPATIBLE', changes: [{ kind: 'required-added' }, { kind: 'enum-narrowed' }] },
    });
  });

  it('compares with the active bundle when the new bundle drops the old version (a patch that removes a field)', async () => {
    const { fx, install } = await setup();
    await install([v('1.2.0')]);
    const patch = v('1.2.1', (d) => delete d.schema.properties.notes);
    await expect(install([patch])).rejects.toMatchObject({
      code: 'CONTRACT_NOT_COMPATIBLE',
      details: { changes: [{ path: '/notes', kind: 'property-removed' }] },
    });
    expect(fx.store.report().bundles.length).toBe(1);
  });

  it('installs a compatible minor (optional field, wider enum, looser range) and it becomes what captures use', async () => {
    const { fx, install, contracts } = await setup();
    await install([v('1.2.0')]);
    const ok = v('1.3.0', (d) => {
      d.schema.properties.weather = { type: 'string', enum: ['dry', 'rain'] };
      (d.schema.properties.condition!.enum as string[]).push('closed');
      d.schema.properties.visitMinutes!.maximum = 2880;
      d.schema.required = d.schema.required.filter((r) => r !== 'inspector');
    });
    const r = await install([v('1.2.0'), ok]);
    expect(r.activated).toBe(true);
    expect(fx.store.active('maestro.contracts')!.id).toBe(r.bundle.id);
    expect(contracts().versions()['field.inspect.site']).toBe('1.3.0');
  });

  it('a new major may break: it installs (the sync flags it as CONTRACT_BREAKING)', async () => {
    const { install, contracts } = await setup();
    await install([v('1.2.0')]);
    const major = v('2.0.0', (d) => d.schema.required.push('notes'));
    await install([v('1.2.0'), major]);
    expect(contracts().has('field.inspect.site@2.0.0')).toBe(true);
  });

  it('a micro-contract update from the server (after sync) is refused the same way, and nothing is recorded as updated', async () => {
    const { fx, install, build } = await setup();
    await install([v('1.2.0')]);
    const registry = ContractRegistry.fromTree({ label: 'active', ...fx.store.active('maestro.contracts')! });
    fx.store.subscribe(() => registry.loadTree({ label: 'active', ...fx.store.active('maestro.contracts')! }));
    const updates = new ContractUpdates(registry, fx.audit, fx.store);
    expect(updates.plan({ 'field.inspect.site': '1.3.0' }).install).toEqual(['field.inspect.site@1.3.0']);
    const out = build([v('1.2.0'), v('1.3.0', (d) => (d.schema.properties.visitMinutes!.type = 'string'))]);
    await expect(updates.installFromServer(dirReader(out), ['field.inspect.site@1.3.0'])).rejects.toMatchObject({
      code: 'CONTRACT_NOT_COMPATIBLE',
      details: { changes: [{ path: '/visitMinutes', kind: 'type-narrowed', before: 'integer', after: 'string' }] },
    });
    expect(registry.has('field.inspect.site@1.3.0')).toBe(false);
    expect(fx.audit.list({ limit: 5, action: 'contract.updated' }).entries).toEqual([]);
    // A compatible one goes through the same door.
    const ok = build([v('1.2.0'), v('1.3.0', (d) => (d.schema.properties.visitMinutes!.maximum = 2880))]);
    expect(await updates.installFromServer(dirReader(ok), ['field.inspect.site@1.3.0'])).toEqual(['field.inspect.site@1.3.0']);
  });

  it('a contract that is not JSON is refused before install (fail-closed)', async () => {
    const { fx, work } = await setup();
    const repo = makeRepo();
    const fx2 = makeStore({ dataDir: join(work, 'data2'), root: repo.root, admit: contractsAdmission });
    const out = join(work, 'bad');
    repo.build(out, { name: 'maestro.contracts', kind: 'contracts', version: '0.9.0' }, { 'x.y.z@1.0.0.json': '{not json' });
    await expect(fx2.store.install(dirReader(out))).rejects.toMatchObject({ code: 'BUNDLE_KIND_MISMATCH' });
    expect(fx2.store.active('maestro.contracts')).toBeNull();
    expect(fx.store.active('maestro.contracts')).toBeNull();
  });

  it('other kinds of bundle are not checked', async () => {
    const { fx, work } = await setup();
    const repo = makeRepo();
    const fx2 = makeStore({ dataDir: join(work, 'data3'), root: repo.root, admit: contractsAdmission });
    const out = join(work, 'prompts');
    repo.build(out, { name: 'maestro.prompts', kind: 'prompts' }, { 'a.json': '{not json' });
    expect((await fx2.store.install(dirReader(out))).activated).toBe(true);
    expect(fx.store.active('maestro.prompts')).toBeNull();
  });
});
