// Sealing the app's built-in resources (policy, workflows, contracts) into signed bundles under
// resources/bundles/<name>/, with the keys in resources/trust/dev-keys (development keys: their
// passphrase is public, see resources/trust/README.md). `npm run seal` calls this; so can tests and
// start scripts: an unchanged bundle is not re-sealed, so a repeated run only hashes a few small
// files, checks three signatures and returns (no key is decrypted).
//
// The development bundles (DEV_BUNDLES: the policy overlay resources/policy-dev) are sealed the same
// way, into their own folder (resources/bundles-dev), when the caller names one: the app installs
// them only in development mode, and the packaged app never contains them (electron-builder.yml).
//
// Versions: targets, snapshot and timestamp versions are the seconds since the epoch at sealing (a
// re-seal is always newer than what a device trusted). Content versions: maestro.policy takes the
// `version:` of policy.yaml; maestro.workflows and maestro.contracts take the version of the app
// that ships them (package.json next to resources/), as each workflow and contract file carries its
// own version in its name; so does maestro.policy-dev, which changes whichever policy is active.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { canonicalJson } from '../../../shared/canonical';
import type { BundleInfo, BundleKind, Envelope, RootMeta } from '../../../shared/bundles/types';
import { buildBundle, DAY_MS, listFiles, targetsOf } from './build';
import { readKeyFile } from './keyfile';
import type { SigningKey } from './keys';
import { BundleError } from '../../../shared/bundles/errors';
import { verifyDirSync } from './verify';
import { checkContractsBuild } from './contract-check';

/** The documented, public passphrase of the development keys (anyone can sign with them). */
export const DEV_KEY_PASSPHRASE = 'maestro-development-only';
/** Built-in bundles stay valid this long, and are re-sealed when fewer than RESEAL_MARGIN_DAYS remain. */
export const SEAL_EXPIRY_DAYS = 365;
export const RESEAL_MARGIN_DAYS = 30;

export interface BuiltinBundle {
  name: string;
  kind: BundleKind;
  /** Directory under resources/ holding the content. */
  dir: string;
  description: string;
}

export const BUILTIN_BUNDLES: readonly BuiltinBundle[] = [
  { name: 'maestro.policy', kind: 'policy', dir: 'policy', description: 'Built-in governance policy and invariants' },
  { name: 'maestro.workflows', kind: 'workflows', dir: 'workflows', description: 'Built-in workflow definitions' },
  { name: 'maestro.contracts', kind: 'contracts', dir: 'contracts', description: 'Built-in data contracts' },
];

/** Sealed only into SealOptions.devOutDir; installed only in development mode (MAESTRO_DEV_POLICY=1). */
export const DEV_BUNDLES: readonly BuiltinBundle[] = [
  {
    name: 'maestro.policy-dev',
    kind: 'policy-overlay',
    dir: 'policy-dev',
    description: 'DEVELOPMENT policy overlay (allows the random-weight test models); never shipped',
  },
];

export interface SealOptions {
  /** resources/ (holding trust/root.json, trust/dev-keys/ and the content directories). */
  resourcesDir: string;
  /** resources/bundles */
  outDir: string;
  /** resources/bundles-dev: where DEV_BUNDLES go; left out, they are not sealed. */
  devOutDir?: string;
  now?: Date;
  /** Content version of workflows and contracts; default: package.json next to resourcesDir, else 1.0.0. */
  appVersion?: string;
  /** Default: resources/trust/dev-keys with DEV_KEY_PASSPHRASE. */
  keysDir?: string;
  passphrase?: string;
}

export interface SealResult {
  name: string;
  dir: string;
  /** true: written now; false: the sealed bundle was already current. */
  sealed: boolean;
  /** Why it was (re-)sealed, or 'unchanged'. */
  reason: string;
  version: string;
  targetsVersion: number;
}

function readRoot(path: string): Envelope<RootMeta> {
  if (!existsSync(path)) throw new Error(`no trusted root at ${path}: the built-in bundles cannot be sealed`);
  return JSON.parse(readFileSync(path, 'utf8')) as Envelope<RootMeta>;
}

function defaultAppVersion(resourcesDir: string): string {
  try {
    const v = (JSON.parse(readFileSync(join(dirname(resourcesDir), 'package.json'), 'utf8')) as { version?: unknown }).version;
    if (typeof v === 'string' && /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(v)) return v;
  } catch {
    // no package.json: a copied resources/ (tests)
  }
  return '1.0.0';
}

function policyVersion(contentDir: string): string {
  const doc = parseYaml(readFileSync(join(contentDir, 'policy.yaml'), 'utf8')) as { version?: unknown } | null;
  const v = doc?.version;
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`${join(contentDir, 'policy.yaml')} has no version:`);
  return String(v);
}

/**
 * Why `dir` must be (re-)sealed, or null when it is a valid bundle of exactly this content, signed
 * under this root and valid for at least RESEAL_MARGIN_DAYS more.
 */
function staleness(dir: string, root: Envelope<RootMeta>, info: BundleInfo, want: string, now: Date): { reason: string; targetsVersion: number } | null {
  if (!existsSync(join(dir, 'metadata', 'timestamp.json'))) return { reason: 'not sealed yet', targetsVersion: 0 };
  const margin = new Date(now.getTime() + RESEAL_MARGIN_DAYS * DAY_MS);
  let targetsVersion = 0;
  try {
    targetsVersion = (JSON.parse(readFileSync(join(dir, 'metadata', 'targets.json'), 'utf8')) as { signed: { version: number } }).signed.version;
    const v = verifyDirSync(dir, { root, roleVersions: {}, referenceTime: margin });
    if (canonicalJson(v.info) !== canonicalJson(info)) return { reason: 'bundle info changed', targetsVersion };
    if (canonicalJson(v.targets.signed.targets) !== want) return { reason: 'content changed', targetsVersion };
    if (v.root.signed.version !== root.signed.version || canonicalJson(v.root) !== canonicalJson(root))
      return { reason: 'trusted root changed', targetsVersion };
    return null;
  } catch (e) {
    if (e instanceof BundleError)
      return { reason: e.code === 'BUNDLE_EXPIRED' ? `expires within ${RESEAL_MARGIN_DAYS} days` : `${e.code}: ${e.message}`, targetsVersion };
    return { reason: `unreadable (${(e as Error).message})`, targetsVersion };
  }
}

/** Seal every built-in bundle whose sealed copy is missing, stale or different from its content. */
export async function sealResources(o: SealOptions): Promise<SealResult[]> {
  const now = o.now ?? new Date();
  const root = readRoot(join(o.resourcesDir, 'trust', 'root.json'));
  const appVersion = o.appVersion ?? defaultAppVersion(o.resourcesDir);
  const keysDir = o.keysDir ?? join(o.resourcesDir, 'trust', 'dev-keys');
  const staging = join(dirname(o.outDir), `.${basename(o.outDir)}-staging`);
  let keys: Promise<{ targets: SigningKey[]; snapshot: SigningKey[]; timestamp: SigningKey[] }> | null = null;
  const loadKeys = () =>
    (keys ??= (async () => {
      const pass = o.passphrase ?? DEV_KEY_PASSPHRASE;
      const [targets, snapshot, timestamp] = await Promise.all(
        (['targets', 'snapshot', 'timestamp'] as const).map((r) => readKeyFile(join(keysDir, `${r}.key`), pass)),
      );
      for (const [role, k] of [
        ['targets', targets!],
        ['snapshot', snapshot!],
        ['timestamp', timestamp!],
      ] as const) {
        if (!root.signed.roles[role].keyids.includes(k.keyid) || root.signed.roles[role].threshold > 1)
          throw new Error(
            `${join(o.resourcesDir, 'trust', 'root.json')} does not accept ${keysDir}/${role}.key alone for ${role}: it is not the development root (a release root's bundles are sealed with its own keys, npm run bundle)`,
          );
      }
      return { targets: [targets!], snapshot: [snapshot!], timestamp: [timestamp!] };
    })());

  const results: SealResult[] = [];
  const ctx: SealContext = { root, appVersion, staging, now, loadKeys };
  for (const b of BUILTIN_BUNDLES) results.push(await sealOne(ctx, b, o.resourcesDir, o.outDir));
  if (o.devOutDir) for (const b of DEV_BUNDLES) results.push(await sealOne(ctx, b, o.resourcesDir, o.devOutDir));
  if (existsSync(staging) && readdirSync(staging).length === 0) rmSync(staging, { recursive: true, force: true });
  return results;
}

interface SealContext {
  root: Envelope<RootMeta>;
  appVersion: string;
  staging: string;
  now: Date;
  loadKeys(): Promise<{ targets: SigningKey[]; snapshot: SigningKey[]; timestamp: SigningKey[] }>;
}

/** Seal one bundle from resourcesDir/<b.dir> into outDir/<b.name>, unless its sealed copy is current. */
async function sealOne(ctx: SealContext, b: BuiltinBundle, resourcesDir: string, outDir: string): Promise<SealResult> {
  const content = join(resourcesDir, b.dir);
  const info: BundleInfo = { name: b.name, kind: b.kind, version: b.kind === 'policy' ? policyVersion(content) : ctx.appVersion, description: b.description };
  const files = listFiles(content);
  const want = canonicalJson(targetsOf(content, files));
  const out = join(outDir, b.name);
  const stale = staleness(out, ctx.root, info, want, ctx.now);
  if (!stale) {
    const tv = (JSON.parse(readFileSync(join(out, 'metadata', 'targets.json'), 'utf8')) as { signed: { version: number } }).signed.version;
    return { name: b.name, dir: out, sealed: false, reason: 'unchanged', version: info.version, targetsVersion: tv };
  }
  // A contract minor or patch must not break the version sealed before (or a lower one beside it).
  if (b.kind === 'contracts') checkContractsBuild(content, [join(out, 'targets')]);
  // Seconds since the epoch, and never lower than (or equal to) what was sealed before.
  const version = Math.max(Math.floor(ctx.now.getTime() / 1000), stale.targetsVersion + 1);
  const tmp = join(ctx.staging, `${b.name}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    buildBundle({
      contentDir: content,
      out: tmp,
      info,
      keys: await ctx.loadKeys(),
      roots: [ctx.root],
      now: ctx.now,
      versions: { targets: version, snapshot: version, timestamp: version },
      expiresDays: { targets: SEAL_EXPIRY_DAYS, snapshot: SEAL_EXPIRY_DAYS, timestamp: SEAL_EXPIRY_DAYS },
    });
    // What the app will check, before it replaces the sealed copy.
    verifyDirSync(tmp, { root: ctx.root, roleVersions: {}, referenceTime: ctx.now });
    mkdirSync(outDir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      rmSync(out, { recursive: true, force: true });
      try {
        renameSync(tmp, out);
        break;
      } catch (e) {
        // Another seal running at the same time put its copy there first: replace it once more.
        const code = (e as NodeJS.ErrnoException).code;
        if (attempt > 2 || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw e;
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { name: b.name, dir: out, sealed: true, reason: stale.reason, version: info.version, targetsVersion: version };
}
