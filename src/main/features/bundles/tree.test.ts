import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActiveBundle } from './types';
import { dirTree, readText, subTree, type ResourceTree } from '../../platform/util/resource-tree';
import { PolicyEngine } from '../policy/index';
import { msg } from '../../../shared/messages';
import { POLICY_DIR, submitContext } from '../policy/fixtures';
import { ContractRegistry } from '../contracts/contract-loader';
import { loadManifestTree } from '../runs/manifest';
import { runServiceFor } from '../runs/test-helpers';
import { fakeGuard } from '../runs/testing';
import { DEFAULT_RESOURCES_DIR } from '../../app/services';
import { makeServices, tempDir } from '../../platform/test-utils';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-tree-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'invariants', 'deep'), { recursive: true });
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'policy.yaml'), 'version: 1\n');
  writeFileSync(join(dir, 'invariants', 'b.yaml'), 'b');
  writeFileSync(join(dir, 'invariants', 'a.yaml'), 'a');
  writeFileSync(join(dir, 'invariants', 'deep', 'c.yaml'), 'c');
  writeFileSync(join(dir, 'Z.txt'), 'z');
  return dir;
}

describe('dirTree', () => {
  it('lists every regular file, recursively, as sorted POSIX relative paths', () => {
    const dir = fixture();
    const t = dirTree(dir);
    expect(t.label).toBe(dir);
    expect(t.files()).toEqual(['Z.txt', 'invariants/a.yaml', 'invariants/b.yaml', 'invariants/deep/c.yaml', 'policy.yaml']);
    expect(readText(t, 'invariants/deep/c.yaml')).toBe('c');
    expect(t.read('policy.yaml')).toEqual(Buffer.from('version: 1\n'));
  });

  it('reads afresh on each call, so a reload sees new files', () => {
    const dir = fixture();
    const t = dirTree(dir);
    writeFileSync(join(dir, 'new.json'), '{}');
    expect(t.files()).toContain('new.json');
  });

  it('counts a link to a file, not a link to a directory or a dangling link', () => {
    const dir = fixture();
    symlinkSync(join(dir, 'policy.yaml'), join(dir, 'link.yaml'));
    symlinkSync(join(dir, 'invariants'), join(dir, 'linkdir'));
    symlinkSync(join(dir, 'nope'), join(dir, 'dangling'));
    expect(dirTree(dir).files()).toEqual(['Z.txt', 'invariants/a.yaml', 'invariants/b.yaml', 'invariants/deep/c.yaml', 'link.yaml', 'policy.yaml']);
  });

  it('refuses paths that leave the tree, and throws on a missing directory or file', () => {
    const t = dirTree(fixture());
    for (const p of ['../x', '/etc/passwd', 'a/../../x', 'a//b', '', './policy.yaml', 'a\\b']) expect(() => t.read(p)).toThrow(/not a relative path/);
    expect(() => t.read('missing.yaml')).toThrow(/ENOENT/);
    expect(() => dirTree(join(tmpdir(), 'maestro-tree-does-not-exist')).files()).toThrow(/ENOENT/);
  });
});

describe('subTree', () => {
  it('holds the files under prefix/, relative to it', () => {
    const dir = fixture();
    const s = subTree(dirTree(dir), 'invariants');
    expect(s.label).toBe(`${dir}/invariants`);
    expect(s.files()).toEqual(['a.yaml', 'b.yaml', 'deep/c.yaml']);
    expect(readText(s, 'deep/c.yaml')).toBe('c');
    expect(subTree(s, 'deep').files()).toEqual(['c.yaml']);
    expect(subTree(dirTree(dir), 'invariants/').files()).toEqual(['a.yaml', 'b.yaml', 'deep/c.yaml']);
    expect(subTree(dirTree(dir), 'nothing-here').files()).toEqual([]);
    expect(() => s.read('../policy.yaml')).toThrow(/not a relative path/);
  });

  it('does not match a sibling that shares the prefix', () => {
    const files = ['inv/a.yaml', 'invariants-old/x.yaml', 'invariants/a.yaml'];
    const t: ResourceTree = { label: 'mem', files: () => files, read: (p) => Buffer.from(p) };
    const s = subTree(t, 'invariants');
    expect(s.files()).toEqual(['a.yaml']);
    expect(readText(s, 'a.yaml')).toBe('invariants/a.yaml');
  });
});

describe('an ActiveBundle with a label is a ResourceTree', () => {
  it('type-checks structurally', () => {
    const direct = (b: ActiveBundle & { label: string }): ResourceTree => b;
    expect(typeof direct).toBe('function');
  });
});

// The loaders read through a ResourceTree: an in-memory tree stands in for a verified bundle.
function memTree(label: string, files: Record<string, string>): ResourceTree {
  return {
    label,
    files: () => Object.keys(files).sort(),
    read: (p) => {
      if (!(p in files)) throw new Error(`no such target: ${p}`);
      return Buffer.from(files[p]!, 'utf8');
    },
  };
}

/** A directory copied into memory, as a bundle would hold it. */
function memCopy(label: string, dir: string): ResourceTree {
  const t = dirTree(dir);
  return memTree(label, Object.fromEntries(t.files().map((f) => [f, readText(t, f)])));
}

describe('loaders read through a tree', () => {
  it('PolicyEngine.fromTree: null fails closed, reload() picks up the provider’s new tree', () => {
    let current: ResourceTree | null = null;
    const e = PolicyEngine.fromTree(() => current);
    expect(e.version()).toBeNull();
    expect(e.lastErrors()).toEqual([{ file: 'policy.yaml', line: 0, reason: 'no verified policy bundle is active', message: msg('guard.load.no_bundle') }]);
    expect(e.guard(submitContext())).toMatchObject({ allowed: false, policy: { decision: 'deny', policyVersion: null } });

    current = memCopy('bundle:policy', POLICY_DIR);
    expect(e.reload()).toEqual({ ok: true, errors: [] });
    expect(e.version()).toBe('2026.12.5');
    expect(e.invariantIds()).toEqual(PolicyEngine.fromDir(POLICY_DIR).invariantIds());

    // Gone again (quarantined, nothing to fall back to): nothing is in force, every guard denies.
    current = null;
    expect(e.reload().ok).toBe(false);
    expect(e.version()).toBeNull();
    expect(e.guard(submitContext())).toMatchObject({ allowed: false });
    current = memCopy('bundle:policy', POLICY_DIR);
    e.reload();

    // A tree without invariants/ is refused.
    current = memTree('bundle:policy', { 'policy.yaml': readText(dirTree(POLICY_DIR), 'policy.yaml') });
    expect(e.reload().errors.map((x) => x.file)).toEqual(['invariants']);
  });

  it('loadManifestTree: top-level manifests only, errors name the file', () => {
    const contracts = ContractRegistry.fromTree(memCopy('bundle:contracts', join(DEFAULT_RESOURCES_DIR, 'contracts')));
    const wf = dirTree(join(DEFAULT_RESOURCES_DIR, 'workflows'));
    const files: Record<string, string> = Object.fromEntries(wf.files().map((f) => [f, readText(wf, f)]));
    files['nested/ignored.yaml'] = 'not: [a manifest';
    files['zz-bad.yaml'] = 'workflow: [';
    const r = loadManifestTree(memTree('bundle:workflows', files), contracts);
    expect(r.manifests.map((m) => m.file)).toEqual(wf.files());
    expect(r.errors.map((x) => x.file)).toEqual(['zz-bad.yaml']);
  });

  it('ContractRegistry.fromTree / loadTree: all or nothing', () => {
    const dir = join(DEFAULT_RESOURCES_DIR, 'contracts');
    const reg = ContractRegistry.fromTree(memCopy('bundle:contracts', dir));
    expect(reg.list().map((c) => c.contract)).toEqual(
      ContractRegistry.fromDir(dir)
        .list()
        .map((c) => c.contract),
    );
    const doc = JSON.parse(readText(dirTree(dir), 'field.inspect.site@1.2.0.json')) as { contract: string };
    const next = JSON.stringify({ ...doc, contract: 'field.inspect.site@1.3.0' });
    expect(() => reg.loadTree(memTree('bundle:contracts', { 'a.json': next, 'b.json': '{' }))).toThrow(/contract bundle:contracts\/b\.json: not JSON/);
    expect(reg.has('field.inspect.site@1.3.0')).toBe(false);
    expect(reg.loadTree(memTree('bundle:contracts', { 'a.json': next, 'sub/x.json': '{' })).map((c) => c.doc.contract)).toEqual(['field.inspect.site@1.3.0']);
    expect(reg.versions()['field.inspect.site']).toBe('1.3.0');
  });

  it('ContractRegistry.loadTree deferCompile: documents checked at once, schemas compiled on first use or by compileDeferred', () => {
    const dir = join(DEFAULT_RESOURCES_DIR, 'contracts');
    const doc = JSON.parse(readText(dirTree(dir), 'field.inspect.site@1.2.0.json')) as { contract: string; schema: Record<string, unknown> };
    const good = JSON.stringify({ ...doc, contract: 'field.inspect.site@1.4.0' });
    // A document that passes its own checks but whose data schema does not compile (strict mode: an unknown keyword).
    const bad = JSON.stringify({ ...doc, contract: 'field.inspect.other@1.0.0', schema: { ...doc.schema, notAKeyword: 1 } });
    // A bad document is still refused at once, all or nothing.
    const reg = new ContractRegistry();
    expect(() => reg.loadTree(memTree('bundle:contracts', { 'a.json': good, 'b.json': '{"contract":1}' }), { deferCompile: true })).toThrow(
      /contract bundle:contracts\/b\.json/,
    );
    expect(reg.has('field.inspect.site@1.4.0')).toBe(false);
    // Without deferral the uncompilable schema is refused when loaded.
    expect(() => new ContractRegistry().loadTree(memTree('bundle:contracts', { 'a.json': good, 'b.json': bad }))).toThrow(/schema does not compile/);
    reg.loadTree(memTree('bundle:contracts', { 'a.json': good, 'b.json': bad }), { deferCompile: true });
    expect(
      reg
        .list()
        .map((c) => c.contract)
        .sort(),
    ).toEqual(['field.inspect.other@1.0.0', 'field.inspect.site@1.4.0']);
    // First use compiles: the same verdict and errors as a compiled contract.
    expect(() => reg.validate('field.inspect.site@1.4.0', {})).toThrow(/Data does not satisfy field\.inspect\.site@1\.4\.0/);
    const compiled = ContractRegistry.fromTree(memTree('bundle:contracts', { 'a.json': good }));
    const errorsOf = (r: ContractRegistry) => {
      try {
        r.validate('field.inspect.site@1.4.0', { site: 1 });
        return null;
      } catch (e) {
        return (e as { details?: unknown }).details;
      }
    };
    expect(errorsOf(reg)).toEqual(errorsOf(compiled));
    expect(errorsOf(reg)).not.toBeNull();
    // compileDeferred takes out (and names) the contract whose schema does not compile; the rest stay.
    const failed = reg.compileDeferred();
    expect(failed).toEqual([{ contract: 'field.inspect.other@1.0.0', error: expect.stringMatching(/schema does not compile/) as unknown }]);
    expect(reg.has('field.inspect.other@1.0.0')).toBe(false);
    expect(reg.has('field.inspect.site@1.4.0')).toBe(true);
    expect(reg.compileDeferred()).toEqual([]);
  });

  it('the run service loads manifests from its workflows provider, on start and on reload', () => {
    const s = makeServices({ dataDir: tempDir() });
    let current: ResourceTree | null = null;
    const runs = runServiceFor(s, { guard: fakeGuard(), resourcesDir: join(tempDir(), 'no-resources'), workflows: () => current });
    expect(runs.workflows()).toEqual([]);
    expect(runs.loadErrors()).toEqual([{ file: 'workflows', line: 0, reason: 'no verified workflow bundle is active' }]);
    current = memCopy('bundle:workflows', join(DEFAULT_RESOURCES_DIR, 'workflows'));
    const r = runs.reloadWorkflows();
    expect(r.errors).toEqual([]);
    expect(r.workflows.map((w) => w.workflow)).toEqual(['site-inspection-report@1.0.0', 'specimen-intake@1.0.0']);
  });
});
