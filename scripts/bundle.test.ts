// The bundle CLI end to end through a temp dir, in-process (main(argv, io)).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../src/main/platform/test-utils';
import type { Keychain } from '../src/main/features/bundles/keyfile';
import { main, PASSPHRASE_ENV, type CliIo } from './bundle';

interface Run {
  code: number;
  out: string;
  err: string;
  json: Record<string, unknown>;
}

function cli(env: Record<string, string | undefined> = { [PASSPHRASE_ENV]: 'test passphrase' }, extra: Partial<CliIo> = {}) {
  return async (...argv: string[]): Promise<Run> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env, ...extra });
    const last = out[out.length - 1] ?? '';
    let json: Record<string, unknown> = {};
    if (argv.includes('--json')) json = JSON.parse(last) as Record<string, unknown>;
    return { code, out: out.join('\n'), err: err.join('\n'), json };
  };
}

const ok = (r: Run): Run => {
  expect(r.err.split('\n').filter((l) => l.startsWith('error') || l.startsWith('REFUSED'))).toEqual([]);
  expect(r.code).toBe(0);
  return r;
};

describe('npm run bundle', () => {
  it('keygen, init-root (2 of 3), threshold signing, add, publish, verify; a changed target is refused', { timeout: 60_000 }, async () => {
    const dir = tempDir('maestro-bundle-cli-');
    const run = cli();
    const k = (n: string) => join(dir, `${n}.key`);
    const ids: Record<string, string> = {};
    for (const n of ['root1', 'root2', 'root3', 'targets', 'snapshot', 'timestamp']) {
      const r = ok(await run('keygen', '--out', k(n), '--json'));
      ids[n] = r.json.keyid as string;
      expect(ids[n]).toMatch(/^[0-9a-f]{64}$/);
    }
    // Never overwrites a key.
    expect((await run('keygen', '--out', k('root1'))).code).toBe(2);

    const root = join(dir, 'root.json');
    const init = ok(
      await run(
        'init-root',
        '--out',
        root,
        '--root-key',
        k('root1'),
        '--root-key',
        k('root2'),
        '--root-key',
        k('root3'),
        '--root-threshold',
        '2',
        '--targets-key',
        k('targets'),
        '--targets-threshold',
        '1',
        '--snapshot-key',
        k('snapshot'),
        '--timestamp-key',
        k('timestamp'),
        '--json',
      ),
    );
    expect(init.json).toMatchObject({
      version: 1,
      roles: { root: { threshold: 2, keyids: [ids.root1, ids.root2, ids.root3] }, targets: { keyids: [ids.targets], threshold: 1 } },
    });
    expect(JSON.parse(readFileSync(root, 'utf8'))).toMatchObject({ signatures: [] });

    // Threshold signing in two separate steps (two people, two passphrases would do the same).
    const s1 = ok(await run('sign', '--meta', root, '--key', k('root1')));
    expect(s1.out).toMatch(/1 of 2 required root signature\(s\) — NOT met/);
    const s2 = ok(await run('sign', '--meta', root, '--key', k('root3'), '--json'));
    expect(s2.json).toMatchObject({ role: 'root', signatures: 2, thresholds: { new: { valid: 2, threshold: 2, met: true } } });
    // Re-signing with the same key replaces its signature.
    expect(ok(await run('sign', '--meta', root, '--key', k('root3'), '--json')).json.signatures).toBe(2);

    const bundle = join(dir, 'bundle');
    const content = join(dir, 'content');
    for (const [p, text] of [
      ['policy.yaml', 'version: 1.2.3\n'],
      ['invariants/a.yaml', 'a: 1\n'],
    ] as const) {
      mkdirSync(join(content, p, '..'), { recursive: true });
      writeFileSync(join(content, p), text);
    }
    const added = ok(
      await run(
        'add',
        '--bundle',
        bundle,
        '--from',
        content,
        '--name',
        'maestro.policy',
        '--kind',
        'policy',
        '--version',
        '1.2.3',
        '--description',
        'test policy',
        '--json',
      ),
    );
    expect(added.json).toMatchObject({ targetsVersion: 1, files: 2 });

    // Unsigned targets cannot be published.
    const early = await run('publish', '--bundle', bundle, '--root', root, '--snapshot-key', k('snapshot'), '--timestamp-key', k('timestamp'));
    expect(early.code).toBe(2);
    expect(early.err).toMatch(/^REFUSED BUNDLE_THRESHOLD: /);
    // A key of another role is refused when the trusted root is known.
    const wrong = await run('sign', '--meta', join(bundle, 'metadata', 'targets.json'), '--key', k('snapshot'), '--trusted-root', root);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/not a targets key/);

    const st = ok(await run('sign', '--meta', join(bundle, 'metadata', 'targets.json'), '--key', k('targets'), '--trusted-root', root, '--json'));
    expect(st.json).toMatchObject({ role: 'targets', thresholds: { trusted: { valid: 1, threshold: 1, met: true } } });
    const pub = ok(await run('publish', '--bundle', bundle, '--root', root, '--snapshot-key', k('snapshot'), '--timestamp-key', k('timestamp'), '--json'));
    expect(pub.json).toMatchObject({ name: 'maestro.policy', versions: { targets: 1, snapshot: 1, timestamp: 1 }, roots: [1] });

    const v = ok(await run('verify', '--bundle', bundle, '--root', root));
    expect(v.out).toMatch(/^OK maestro\.policy 1\.2\.3 \(policy\): 2 file\(s\)/);
    expect(v.err).toMatch(/verifying: .* of .*\(100%\)/);
    const vj = ok(await run('verify', '--bundle', bundle, '--root', root, '--json'));
    expect(vj.json).toMatchObject({ ok: true, name: 'maestro.policy', files: 2, versions: { targets: 1 }, signers: [{ keyid: ids.targets, role: 'targets' }] });

    // Same length, different bytes: the hash check catches it.
    const target = join(bundle, 'targets', 'invariants', 'a.yaml');
    writeFileSync(target, 'a: 2\n');
    const bad = await run('verify', '--bundle', bundle, '--root', root, '--json');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^REFUSED BUNDLE_HASH_MISMATCH: targets\/invariants\/a\.yaml/m);
    expect(bad.json).toMatchObject({ ok: false, code: 'BUNDLE_HASH_MISMATCH' });
    // …and publish will not sign over it either.
    expect((await run('publish', '--bundle', bundle, '--root', root, '--snapshot-key', k('snapshot'), '--timestamp-key', k('timestamp'))).err).toMatch(
      /BUNDLE_HASH_MISMATCH/,
    );

    // New content: targets version + 1; re-publish bumps snapshot and timestamp.
    ok(await run('add', '--bundle', bundle, '--from', content, '--name', 'maestro.policy', '--kind', 'policy', '--version', '1.2.4'));
    expect(JSON.parse(readFileSync(join(bundle, 'metadata', 'targets.json'), 'utf8'))).toMatchObject({ signed: { version: 2 }, signatures: [] });
    ok(await run('sign', '--meta', join(bundle, 'metadata', 'targets.json'), '--key', k('targets')));
    ok(await run('publish', '--bundle', bundle, '--root', root, '--snapshot-key', k('snapshot'), '--timestamp-key', k('timestamp')));

    // Root rotation: v2 drops root2 and adds root4; needs 2 of v1's root keys and 2 of v2's.
    ok(await run('keygen', '--out', k('root4')));
    const root2 = join(dir, 'root2.json');
    ok(
      await run(
        'init-root',
        '--out',
        root2,
        '--from',
        root,
        '--root-key',
        k('root1'),
        '--root-key',
        k('root3'),
        '--root-key',
        k('root4'),
        '--root-threshold',
        '2',
        '--targets-key',
        k('targets'),
        '--targets-threshold',
        '1',
        '--snapshot-key',
        k('snapshot'),
        '--timestamp-key',
        k('timestamp'),
      ),
    );
    const r1 = ok(await run('sign', '--meta', root2, '--key', k('root4'), '--trusted-root', root, '--json'));
    expect(r1.json).toMatchObject({
      version: 2,
      thresholds: { new: { valid: 1, threshold: 2, met: false }, trusted: { root: 1, valid: 0, threshold: 2, met: false } },
    });
    const r2 = ok(await run('sign', '--meta', root2, '--key', k('root2'), '--key', k('root1'), '--trusted-root', root));
    expect(r2.out).toMatch(/keys of this root v2: 2 of 2 .*threshold met/);
    expect(r2.out).toMatch(/keys of trusted root v1: 2 of 2 .*threshold met/);
    ok(await run('publish', '--bundle', bundle, '--root', root, '--root', root2, '--snapshot-key', k('snapshot'), '--timestamp-key', k('timestamp')));
    const rotated = ok(await run('verify', '--bundle', bundle, '--root', root, '--json'));
    expect(rotated.json).toMatchObject({ ok: true, version: '1.2.4', root: 2, versions: { targets: 2, snapshot: 3, timestamp: 3 } });
  });

  it('keeps a key in the keychain when asked and reports usage errors in one line', async () => {
    const dir = tempDir('maestro-bundle-cli-');
    const entries = new Map<string, string>();
    const keychain: Keychain = {
      getPassword: async (s, a) => entries.get(`${s}/${a}`) ?? null,
      setPassword: async (s, a, p) => void entries.set(`${s}/${a}`, p),
      deletePassword: async (s, a) => entries.delete(`${s}/${a}`),
    };
    // No passphrase anywhere: a keychain key never asks for one.
    const run = cli({}, { keychain, prompt: () => Promise.reject(new Error('asked for a passphrase')) });
    const kg = ok(await run('keygen', '--out', join(dir, 'k.key'), '--keychain', '--json'));
    expect(kg.json).toMatchObject({ storage: 'keychain' });
    expect(entries.size).toBe(1);
    ok(
      await run(
        'init-root',
        '--out',
        join(dir, 'root.json'),
        '--root-key',
        join(dir, 'k.key'),
        '--root-threshold',
        '1',
        '--targets-key',
        join(dir, 'k.key'),
        '--targets-threshold',
        '1',
        '--snapshot-key',
        join(dir, 'k.key'),
        '--timestamp-key',
        join(dir, 'k.key'),
      ),
    );
    const s = ok(await run('sign', '--meta', join(dir, 'root.json'), '--key', join(dir, 'k.key')));
    expect(s.out).toMatch(/1 of 1 required root signature\(s\) — threshold met/);

    for (const argv of [
      ['frobnicate'],
      ['keygen'],
      ['init-root', '--out', join(dir, 'r.json'), '--bogus'],
      ['verify', '--bundle', dir, '--root', join(dir, 'missing.json')],
      [
        'init-root',
        '--out',
        join(dir, 'r.json'),
        '--root-key',
        join(dir, 'k.key'),
        '--root-threshold',
        '2',
        '--targets-key',
        join(dir, 'k.key'),
        '--targets-threshold',
        '1',
        '--snapshot-key',
        join(dir, 'k.key'),
        '--timestamp-key',
        join(dir, 'k.key'),
      ],
    ]) {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^error: /);
    }
    // A wrong passphrase is one clear line too.
    const pw = cli({ [PASSPHRASE_ENV]: 'one' });
    ok(await pw('keygen', '--out', join(dir, 'p.key')));
    const wrong = await cli({ [PASSPHRASE_ENV]: 'two' })('sign', '--meta', join(dir, 'root.json'), '--key', join(dir, 'p.key'));
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/^error: .*wrong passphrase$/);
  });
});
