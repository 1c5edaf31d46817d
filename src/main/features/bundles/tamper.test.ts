// The tamper corpus: every attack docs/bundles.md lists, generated here, each refused with its own
// code, and nothing installed or loaded (the active version, the install rows, the bundle
// directories and the role versions are all unchanged).
import { beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, existsSync, linkSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../../platform/test-utils';
import { TrustedClock } from '../../platform/util/trusted-clock';
import type { BundleRefusal } from '../../../shared/bundles/types';
import { BundleError } from '../../../shared/bundles/errors';
import { generateSigningKey, signEnvelope } from './keys';
import { isoIn, newRoot } from './build';
import { dirReader } from './verify';
import { makeRepo, makeStore, resign, type StoreFixture, type TestRepo } from './testing';

const NAME = 'test.prompts';
const FILES = { 'a.txt': 'hello sealed world', 'dir/b.txt': 'second file', 'c.bin': Buffer.alloc(3 * 1024 * 1024, 7) };

let repo: TestRepo;
let fx: StoreFixture;
let work: string;
let v = 10;

/** A fresh, validly signed bundle (versions increase with each call, so only the attack differs). */
function good(files: Record<string, string | Buffer> = FILES, o: { version?: string } = {}): string {
  v++;
  const out = join(work, `b${v}`);
  repo.build(out, { name: NAME, version: o.version ?? `1.0.${v}` }, files, { versions: { targets: v, snapshot: v, timestamp: v } });
  return out;
}

function snapshotState() {
  const q = (sql: string) => fx.db.prepare(sql).all();
  return {
    installs: q('SELECT id, quarantined_at FROM bundle_installs ORDER BY id'),
    active: q('SELECT * FROM bundle_active'),
    roles: q('SELECT * FROM bundle_role_versions ORDER BY role'),
    roots: q('SELECT version FROM bundle_roots'),
    dirs: readdirSync(join(work, 'data', 'bundles', NAME)).sort(),
    staging: existsSync(join(work, 'data', 'bundles', '.staging')) ? readdirSync(join(work, 'data', 'bundles', '.staging')) : [],
  };
}

async function expectRefused(dir: string, code: BundleRefusal): Promise<void> {
  const before = snapshotState();
  const before1 = fx.store.active(NAME)!;
  const err = await fx.store.install(dirReader(dir)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(BundleError);
  expect((err as BundleError).code, (err as Error).message).toBe(code);
  expect(snapshotState()).toEqual(before);
  // What is loaded is still the first version, and it still verifies.
  expect(fx.store.active(NAME)!.id).toBe(before1.id);
  expect(fx.store.active(NAME)!.read('a.txt').toString()).toBe(FILES['a.txt']);
  // The audit entry keeps the code, and the refusal as a message (its code and params), never a sentence for people.
  expect(fx.audit.list({ limit: 1, action: 'bundle.refused' }).entries[0]?.payload).toMatchObject({ code, reason: { code: `refusals.bundle.${code}` } });
}

beforeEach(async () => {
  work = tempDir('maestro-tamper-');
  repo = makeRepo({ keysPerRole: { targets: 2 } });
  fx = makeStore({ dataDir: join(work, 'data'), root: repo.root });
  const first = await fx.store.install(dirReader(good()));
  expect(first.activated).toBe(true);
});

describe('tamper corpus: every attack refused with its own code, nothing installed or loaded', () => {
  it('arbitrary file: same length, other bytes → BUNDLE_HASH_MISMATCH', async () => {
    const d = good();
    writeFileSync(join(d, 'targets', 'a.txt'), 'HELLO SEALED WORLD');
    await expectRefused(d, 'BUNDLE_HASH_MISMATCH');
  });

  it('arbitrary file: shorter than signed → BUNDLE_LENGTH_MISMATCH', async () => {
    const d = good();
    truncateSync(join(d, 'targets', 'c.bin'), 1000);
    await expectRefused(d, 'BUNDLE_LENGTH_MISMATCH');
  });

  it('endless data: a target longer than its signed length → BUNDLE_TOO_LARGE (reading stops at length + 1)', async () => {
    const d = good();
    appendFileSync(join(d, 'targets', 'c.bin'), Buffer.alloc(4 * 1024 * 1024, 1));
    await expectRefused(d, 'BUNDLE_TOO_LARGE');
  });

  it('endless data: metadata over its cap → BUNDLE_TOO_LARGE', async () => {
    const d = good();
    appendFileSync(join(d, 'metadata', 'timestamp.json'), ' '.repeat(70 * 1024));
    await expectRefused(d, 'BUNDLE_TOO_LARGE');
    const d2 = good();
    writeFileSync(join(d2, 'metadata', '2.root.json'), Buffer.alloc(600 * 1024, 32));
    await expectRefused(d2, 'BUNDLE_TOO_LARGE');
  });

  it('rollback: a validly signed older version → BUNDLE_ROLLBACK, per role', async () => {
    const older = join(work, 'older');
    repo.build(older, { name: NAME }, FILES, { versions: { targets: 3, snapshot: 3, timestamp: 3 } });
    await expectRefused(older, 'BUNDLE_ROLLBACK');
    // A new timestamp over an old targets version is a rollback of the targets role.
    const mixed = join(work, 'mixed');
    repo.build(mixed, { name: NAME }, FILES, { versions: { targets: 2, snapshot: 500, timestamp: 500 } });
    const e = await fx.store.install(dirReader(mixed)).catch((x: unknown) => x as BundleError);
    expect(e).toMatchObject({ code: 'BUNDLE_ROLLBACK', details: { role: 'targets' } });
  });

  it('freeze: expired metadata → BUNDLE_EXPIRED, even with the clock rolled back', async () => {
    const stale = join(work, 'stale');
    repo.build(stale, { name: NAME }, FILES, { versions: { targets: 900, snapshot: 900, timestamp: 900 }, now: new Date(Date.now() - 100 * 86_400_000) });
    await expectRefused(stale, 'BUNDLE_EXPIRED');

    // A device whose highest-seen time is today, with its wall clock set back 95 days.
    const dataDir = join(work, 'frozen');
    let wall = Date.now();
    const f2 = makeStore({ dataDir, root: repo.root, clock: (db) => new TrustedClock(db, { now: () => new Date(wall) }) });
    f2.store.report(); // reads the clock: the watermark is now
    wall -= 95 * 86_400_000;
    const e = await f2.store.install(dirReader(stale)).catch((x: unknown) => x as BundleError);
    expect(e).toMatchObject({ code: 'BUNDLE_EXPIRED' });
  });

  it('mix-and-match: targets of one version with snapshot and timestamp of another → BUNDLE_MIX_AND_MATCH', async () => {
    const a = good();
    const b = good(FILES, { version: '9.9.9' });
    cpSync(join(a, 'metadata', 'targets.json'), join(b, 'metadata', 'targets.json'));
    await expectRefused(b, 'BUNDLE_MIX_AND_MATCH');
    // Snapshot of one, timestamp of another.
    const c = good();
    const d = good();
    cpSync(join(c, 'metadata', 'snapshot.json'), join(d, 'metadata', 'snapshot.json'));
    await expectRefused(d, 'BUNDLE_MIX_AND_MATCH');
    // Metadata of another bundle (each validly signed) combined.
    const other = join(work, 'other');
    repo.build(other, { name: 'test.other' }, FILES, { versions: { targets: 700, snapshot: 700, timestamp: 700 } });
    const e = good();
    cpSync(join(other, 'metadata', 'timestamp.json'), join(e, 'metadata', 'timestamp.json'));
    await expectRefused(e, 'BUNDLE_MIX_AND_MATCH');
    // Files of one version under the metadata of another: the hash catches it.
    const f = good({ ...FILES, 'a.txt': 'version f' });
    const g = good({ ...FILES, 'a.txt': 'version g' });
    cpSync(join(f, 'targets', 'a.txt'), join(g, 'targets', 'a.txt'));
    await expectRefused(g, 'BUNDLE_HASH_MISMATCH');
  });

  it('below threshold: one targets signature where two are required → BUNDLE_THRESHOLD; a corrupted signature does not count', async () => {
    const repo2 = makeRepo({ keysPerRole: { targets: 2 }, thresholds: { targets: 2 } });
    const fx2 = makeStore({ dataDir: join(work, 'd2'), root: repo2.root });
    const d = join(work, 'th');
    repo2.build(d, { name: NAME }, FILES);
    resign(d, repo2, () => undefined, [repo2.keys.targets[0]!]);
    await expect(fx2.store.install(dirReader(d))).rejects.toMatchObject({ code: 'BUNDLE_THRESHOLD' });
    const d2 = good();
    const t = JSON.parse(readFileSync(join(d2, 'metadata', 'timestamp.json'), 'utf8')) as { signatures: { sig: string }[] };
    t.signatures[0]!.sig = (t.signatures[0]!.sig.startsWith('0') ? '1' : '0') + t.signatures[0]!.sig.slice(1);
    writeFileSync(join(d2, 'metadata', 'timestamp.json'), JSON.stringify(t));
    await expectRefused(d2, 'BUNDLE_THRESHOLD');
  });

  it('unknown key: targets signed by a key the root does not name → BUNDLE_UNKNOWN_KEY', async () => {
    const d = good();
    resign(d, repo, () => undefined, [generateSigningKey()]);
    await expectRefused(d, 'BUNDLE_UNKNOWN_KEY');
  });

  it('wrong key for role: targets signed by the snapshot key → BUNDLE_WRONG_ROLE_KEY', async () => {
    const d = good();
    resign(d, repo, () => undefined, [repo.keys.snapshot[0]!]);
    await expectRefused(d, 'BUNDLE_WRONG_ROLE_KEY');
  });

  it('path traversal: .., absolute, backslash, empty segment, case twins → BUNDLE_PATH_UNSAFE (even when validly signed)', async () => {
    for (const evil of ['../escape.txt', 'dir/../../escape.txt', '/etc/passwd', 'C:/Windows/x', 'dir\\x.txt', 'dir//x.txt', './x', 'A.TXT']) {
      const d = good();
      resign(d, repo, (t) => {
        t.targets[evil] = { length: 1, hashes: { sha256: '0'.repeat(64) } };
      });
      await expectRefused(d, 'BUNDLE_PATH_UNSAFE');
    }
  });

  it('symlinks and hard links, in targets or metadata → BUNDLE_LINK', async () => {
    const outside = join(work, 'outside.txt');
    writeFileSync(outside, FILES['a.txt']);
    const d = good();
    rmSync(join(d, 'targets', 'a.txt'));
    symlinkSync(outside, join(d, 'targets', 'a.txt'));
    await expectRefused(d, 'BUNDLE_LINK');
    const h = good();
    rmSync(join(h, 'targets', 'a.txt'));
    linkSync(outside, join(h, 'targets', 'a.txt'));
    await expectRefused(h, 'BUNDLE_LINK');
    const s = good();
    rmSync(join(s, 'targets', 'dir'), { recursive: true });
    const elsewhere = join(work, 'elsewhere');
    cpSync(join(good(), 'targets', 'dir'), elsewhere, { recursive: true });
    symlinkSync(elsewhere, join(s, 'targets', 'dir'));
    await expectRefused(s, 'BUNDLE_LINK');
    const m = good();
    const real = join(work, 'ts.json');
    cpSync(join(m, 'metadata', 'timestamp.json'), real);
    rmSync(join(m, 'metadata', 'timestamp.json'));
    symlinkSync(real, join(m, 'metadata', 'timestamp.json'));
    await expectRefused(m, 'BUNDLE_LINK');
  });

  it('a FIFO in targets or metadata → BUNDLE_PATH_UNSAFE, at once (it never waits for a writer)', async () => {
    const t = good();
    rmSync(join(t, 'targets', 'a.txt'));
    execFileSync('mkfifo', [join(t, 'targets', 'a.txt')]);
    await expectRefused(t, 'BUNDLE_PATH_UNSAFE');
    const m = good();
    rmSync(join(m, 'metadata', 'timestamp.json'));
    execFileSync('mkfifo', [join(m, 'metadata', 'timestamp.json')]);
    await expectRefused(m, 'BUNDLE_PATH_UNSAFE');
  });

  it('extra or missing files → BUNDLE_EXTRA_FILE / BUNDLE_MISSING_FILE', async () => {
    const d = good();
    writeFileSync(join(d, 'targets', 'payload.sh'), 'rm -rf /');
    await expectRefused(d, 'BUNDLE_EXTRA_FILE');
    const m = good();
    rmSync(join(m, 'targets', 'dir', 'b.txt'));
    await expectRefused(m, 'BUNDLE_MISSING_FILE');
    const t = good();
    rmSync(join(t, 'metadata', 'snapshot.json'));
    await expectRefused(t, 'BUNDLE_MISSING_FILE');
  });

  it('malformed metadata → BUNDLE_METADATA_INVALID', async () => {
    const d = good();
    writeFileSync(join(d, 'metadata', 'timestamp.json'), '{"signed": ');
    await expectRefused(d, 'BUNDLE_METADATA_INVALID');
    const s = good();
    const env = JSON.parse(readFileSync(join(s, 'metadata', 'timestamp.json'), 'utf8')) as { signed: Record<string, unknown> };
    env.signed.version = -1;
    writeFileSync(join(s, 'metadata', 'timestamp.json'), JSON.stringify(env));
    await expectRefused(s, 'BUNDLE_METADATA_INVALID');
  });

  it('a new root must be exactly N+1 → BUNDLE_ROOT_VERSION', async () => {
    const d = good();
    const bad = signEnvelope(newRoot({ version: 3, expires: isoIn(new Date(), 365), keys: repo.keys, thresholds: repo.thresholds }), repo.keys.root);
    writeFileSync(join(d, 'metadata', '2.root.json'), JSON.stringify(bad));
    await expectRefused(d, 'BUNDLE_ROOT_VERSION');
  });
});
