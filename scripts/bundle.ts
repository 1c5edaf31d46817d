// npm run bundle -- <command> …: make, sign, publish and verify sealed bundles, offline.
//
//   keygen     --out FILE [--keychain] [--force]
//   init-root  --out FILE --root-key F… --root-threshold N --targets-key F… --targets-threshold N
//              --snapshot-key F… [--snapshot-threshold 1] --timestamp-key F… [--timestamp-threshold 1]
//              [--expires-days 365] [--from PREVIOUS_ROOT]
//   sign       --meta FILE --key KEYFILE [--key …] [--trusted-root OLD_ROOT]
//   add        --bundle DIR --from CONTENT_DIR --name NAME --kind KIND --version SEMVER
//              [--description TEXT] [--model-json FILE] [--app-json FILE] [--expires-days 180]
//              [--previous DIR …]   (contracts: also check against these targets dirs)
//   publish    --bundle DIR --root ROOT [--root …] --snapshot-key F [--snapshot-key …]
//              --timestamp-key F [--timestamp-key …] [--expires-days 90]
//   verify     --bundle DIR --root TRUSTED_ROOT
//
// Every command takes --json (one JSON object on stdout instead of the summary). Passphrases come
// from MAESTRO_BUNDLE_PASSPHRASE, else a prompt on the terminal (no echo). Errors are one line on
// stderr and exit 2; a verification refusal prints its code (BUNDLE_…).
import { verify as edVerify } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { compileSchema } from '../src/shared/validation';
import { bundleInfoSchema, ROLE_SCHEMAS } from '../src/shared/bundles/schemas';
import {
  BUNDLE_KINDS,
  SPEC_VERSION,
  type AppUpdateInfo,
  type BundleInfo,
  type BundleKind,
  type BundleProgress,
  type Envelope,
  type ModelInfo,
  type PublicKey,
  type RoleMeta,
  type RoleName,
  type RootMeta,
  type SnapshotMeta,
  type TargetsMeta,
  type TimestampMeta,
} from '../src/shared/bundles/types';
import { BundleError } from '../src/shared/bundles/errors';
import {
  addSignature,
  generateSigningKey,
  keyidOf,
  keyObjectOf,
  signEnvelope,
  signedBytes,
  verifyRoleSignatures,
  type SigningKey,
} from '../src/main/features/bundles/keys';
import { DEFAULT_EXPIRY_DAYS, isoIn, metaBytes, sha256File, targetsOf } from '../src/main/features/bundles/build';
import { KeyFileError, loadSigningKey, readPublicKeyFile, writeKeychainKeyFile, writeKeyFile, type Keychain } from '../src/main/features/bundles/keyfile';
import { checkContractsBuild } from '../src/main/features/bundles/contract-check';
import {
  checkListing,
  checkTargetPaths,
  dirMetaGetter,
  dirReader,
  listTargetsSync,
  sha256,
  verifyBundle,
  verifyMetadata,
} from '../src/main/features/bundles/verify';

export const PASSPHRASE_ENV = 'MAESTRO_BUNDLE_PASSPHRASE';

export interface CliIo {
  /** A line of the summary (stdout). */
  out(line: string): void;
  /** A line of warnings, progress and errors (stderr). */
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** Ask for a secret without echo; absent: the terminal, when there is one. */
  prompt?(question: string): Promise<string>;
  /** Progress, rewritten in place on a terminal; absent: throttled lines on err. */
  progress?(line: string | null): void;
  /** Injected keychain (tests); absent: keytar, when an OS keychain answers. */
  keychain?: Keychain | null;
  now?(): Date;
}

class UsageError extends Error {}
function fail(message: string): never {
  throw new UsageError(message);
}

// ---------- helpers ----------

const str = { type: 'string' } as const;
const strs = { type: 'string', multiple: true } as const;
const flag = { type: 'boolean' } as const;

function args<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, json: flag, help: flag }, strict: true, allowPositionals: false }).values;
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]!);
  }
}

const need = <T>(v: T | undefined, name: string): T => (v === undefined || (Array.isArray(v) && v.length === 0) ? fail(`--${name} is required`) : v);

function intArg(v: string | undefined, name: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min) fail(`--${name} must be an integer ≥ ${min} (got ${JSON.stringify(v)})`);
  return Number(v);
}

const short = (keyid: string) => `${keyid.slice(0, 12)}…`;
const human = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${(n / 1024 ** 3).toFixed(2)} GiB`;

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`${what} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    return fail(`${what} ${path}: not JSON`);
  }
}

/** A metadata envelope of any role, checked against its role's schema. */
function readEnvelope<T extends RoleMeta = RoleMeta>(path: string, role?: RoleName): Envelope<T> {
  const v = readJson(path, 'metadata') as { signed?: { _type?: unknown } };
  const type = v?.signed?._type;
  if (typeof type !== 'string' || !(type in ROLE_SCHEMAS)) return fail(`${path}: not bundle metadata (signed._type is ${JSON.stringify(type)})`);
  if (role && type !== role) return fail(`${path}: is ${type} metadata, ${role} expected`);
  const validate = compileSchema(ROLE_SCHEMAS[type as RoleName] as Record<string, unknown>);
  if (!validate(v)) {
    const e = validate.errors?.[0];
    return fail(`${path}: invalid ${type} metadata: ${e ? `${e.instancePath || '/'} ${e.message ?? ''}` : 'schema mismatch'}`);
  }
  return v as Envelope<T>;
}

const readRoot = (path: string) => readEnvelope<RootMeta>(path, 'root');

function writeMeta(path: string, env: Envelope<unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, metaBytes(env));
  renameSync(tmp, path);
}

/** Valid signatures on `env` from the keys `root` names for `role` (never throws). */
export function thresholdStatus(env: Envelope<unknown>, root: RootMeta, role: RoleName): { valid: number; threshold: number; met: boolean; keyids: string[] } {
  const allowed = new Set(root.roles[role].keyids);
  const bytes = signedBytes(env.signed);
  const valid = new Set<string>();
  for (const s of env.signatures) {
    const key = root.keys[s.keyid];
    if (!allowed.has(s.keyid) || !key || keyidOf(key) !== s.keyid || valid.has(s.keyid)) continue;
    if (edVerify(null, bytes, keyObjectOf(key), Buffer.from(s.sig, 'hex'))) valid.add(s.keyid);
  }
  const threshold = root.roles[role].threshold;
  return { valid: valid.size, threshold, met: valid.size >= threshold, keyids: [...valid] };
}

async function ttyPrompt(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return fail(`no passphrase: set ${PASSPHRASE_ENV} or run on a terminal`);
  process.stderr.write(question);
  return new Promise((resolvePw, reject) => {
    let pw = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolvePw(pw);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') pw = pw.slice(0, -1);
        else pw += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function passphrase(io: CliIo, question: string, confirm = false): Promise<string> {
  const fromEnv = io.env[PASSPHRASE_ENV];
  if (fromEnv) return fromEnv;
  const ask = io.prompt ?? ttyPrompt;
  const pw = await ask(question);
  if (!pw) fail('empty passphrase');
  if (confirm && (await ask('Again: ')) !== pw) fail('the passphrases differ');
  return pw;
}

function loadKey(io: CliIo, path: string): Promise<SigningKey> {
  return loadSigningKey(path, { keychain: io.keychain, passphrase: (f) => passphrase(io, `Passphrase for ${path} (key ${short(f.keyid)}): `) });
}

function readPublic(path: string): { keyid: string; publicKey: PublicKey } {
  if (!existsSync(path)) fail(`key file ${path} does not exist`);
  return readPublicKeyFile(path);
}

interface Ctx {
  io: CliIo;
  json: boolean;
  now: Date;
  /** Summary lines, or the JSON result. */
  say(line: string): void;
  result(v: Record<string, unknown>): void;
}

// ---------- keygen ----------

async function keygen(argv: string[], c: Ctx): Promise<void> {
  const a = args(argv, { out: str, keychain: flag, force: flag });
  const out = need(a.out, 'out');
  if (existsSync(out) && !a.force) fail(`${out} exists: a key file is never overwritten (use --force to replace it)`);
  const key = generateSigningKey();
  if (a.keychain) await writeKeychainKeyFile(out, key, { keychain: c.io.keychain });
  else await writeKeyFile(out, key, await passphrase(c.io, `Passphrase for the new key ${out}: `, true));
  c.say(key.keyid);
  c.say(`wrote ${out} (${a.keychain ? 'private key in the OS keychain' : 'private key encrypted under the passphrase'}, mode 0600)`);
  c.result({ keyid: key.keyid, file: out, public: key.publicKey, storage: a.keychain ? 'keychain' : 'passphrase' });
}

// ---------- init-root ----------

async function initRoot(argv: string[], c: Ctx): Promise<void> {
  const a = args(argv, {
    out: str,
    'root-key': strs,
    'root-threshold': str,
    'targets-key': strs,
    'targets-threshold': str,
    'snapshot-key': strs,
    'snapshot-threshold': str,
    'timestamp-key': strs,
    'timestamp-threshold': str,
    'expires-days': str,
    from: str,
  });
  const out = need(a.out, 'out');
  const keys: RootMeta['keys'] = {};
  const roles = {} as RootMeta['roles'];
  const spec: Record<RoleName, { files: string[] | undefined; threshold: string | undefined; dflt: number | null }> = {
    root: { files: a['root-key'], threshold: a['root-threshold'], dflt: null },
    targets: { files: a['targets-key'], threshold: a['targets-threshold'], dflt: null },
    snapshot: { files: a['snapshot-key'], threshold: a['snapshot-threshold'], dflt: 1 },
    timestamp: { files: a['timestamp-key'], threshold: a['timestamp-threshold'], dflt: 1 },
  };
  for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
    const s = spec[role];
    const ids: string[] = [];
    for (const f of need(s.files, `${role}-key`)) {
      const k = readPublic(f);
      keys[k.keyid] = k.publicKey;
      if (!ids.includes(k.keyid)) ids.push(k.keyid);
    }
    const threshold =
      s.dflt === null ? intArg(need(s.threshold, `${role}-threshold`), `${role}-threshold`, 1) : intArg(s.threshold, `${role}-threshold`, s.dflt);
    if (threshold > ids.length) fail(`--${role}-threshold ${threshold} is more than the ${ids.length} distinct ${role} key(s) given`);
    roles[role] = { keyids: ids, threshold };
  }
  const prev = a.from ? readRoot(a.from) : null;
  const signed: RootMeta = {
    _type: 'root',
    spec_version: SPEC_VERSION,
    version: prev ? prev.signed.version + 1 : 1,
    expires: isoIn(c.now, intArg(a['expires-days'], 'expires-days', DEFAULT_EXPIRY_DAYS.root)),
    consistent_snapshot: false,
    keys,
    roles,
  };
  writeMeta(out, { signed, signatures: [] });
  const r = signed.roles;
  c.say(`wrote ${out}: root v${signed.version} (unsigned), expires ${signed.expires}`);
  c.say(
    `  thresholds: root ${r.root.threshold} of ${r.root.keyids.length}, targets ${r.targets.threshold} of ${r.targets.keyids.length}, snapshot ${r.snapshot.threshold} of ${r.snapshot.keyids.length}, timestamp ${r.timestamp.threshold} of ${r.timestamp.keyids.length}`,
  );
  if (prev)
    c.say(
      `  next: sign with ${r.root.threshold} key(s) of this root AND ${prev.signed.roles.root.threshold} key(s) of root v${prev.signed.version} (sign --trusted-root ${a.from} shows both)`,
    );
  else c.say(`  next: sign with ${r.root.threshold} root key(s)`);
  c.result({ file: out, version: signed.version, expires: signed.expires, roles: signed.roles, previous: prev ? prev.signed.version : null });
}

// ---------- sign ----------

async function sign(argv: string[], c: Ctx): Promise<void> {
  const a = args(argv, { meta: str, key: strs, 'trusted-root': str });
  const file = need(a.meta, 'meta');
  let env = readEnvelope(file);
  const role = env.signed._type;
  const trusted = a['trusted-root'] ? readRoot(a['trusted-root']) : null;
  const added: string[] = [];
  for (const kf of need(a.key, 'key')) {
    const key = await loadKey(c.io, kf);
    if (role === 'root') {
      const own = env.signed as RootMeta;
      const inNew = own.roles.root.keyids.includes(key.keyid);
      const inOld = trusted?.signed.roles.root.keyids.includes(key.keyid) ?? false;
      if (!inNew && !inOld) {
        if (trusted) fail(`${kf} (key ${short(key.keyid)}) is a root key of neither this root v${own.version} nor the trusted root v${trusted.signed.version}`);
        c.io.err(`warning: ${kf} (key ${short(key.keyid)}) is not a root key of root v${own.version}; it counts only toward a previous root's threshold`);
      }
    } else if (trusted && !trusted.signed.roles[role].keyids.includes(key.keyid)) {
      fail(`${kf} (key ${short(key.keyid)}) is not a ${role} key of the trusted root v${trusted.signed.version}`);
    }
    env = addSignature(env, key);
    added.push(key.keyid);
  }
  writeMeta(file, env);
  const status: Record<string, ReturnType<typeof thresholdStatus> & { root: number }> = {};
  if (role === 'root') {
    const own = env.signed as RootMeta;
    status.new = { root: own.version, ...thresholdStatus(env, own, 'root') };
    if (trusted) {
      if (trusted.signed.version === own.version - 1) status.trusted = { root: trusted.signed.version, ...thresholdStatus(env, trusted.signed, 'root') };
      else if (trusted.signed.version !== own.version)
        c.io.err(`warning: the trusted root is v${trusted.signed.version}; a rotation to v${own.version} is signed by root v${own.version - 1}`);
    }
  } else if (trusted) {
    status.trusted = { root: trusted.signed.version, ...thresholdStatus(env, trusted.signed, role) };
  }
  c.say(`signed ${file} (${role} v${env.signed.version}) with ${added.map(short).join(', ')}; ${env.signatures.length} signature(s) in all`);
  const line = (label: string, s: ReturnType<typeof thresholdStatus>) =>
    `  ${label}: ${s.valid} of ${s.threshold} required ${role} signature(s)${s.met ? ' — threshold met' : ' — NOT met'}`;
  if (status.new) c.say(line(`keys of this root v${status.new.root}`, status.new));
  if (status.trusted) c.say(line(`keys of trusted root v${status.trusted.root}`, status.trusted));
  if (!trusted && role !== 'root') c.say(`  (give --trusted-root to see how many of the ${role} threshold are met)`);
  c.result({ file, role, version: env.signed.version, added, signatures: env.signatures.length, thresholds: status });
}

// ---------- add ----------

/** Regular files under `dir` (sorted POSIX paths); links and special files are refused. */
function contentFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const st = lstatSync(join(dir, rel));
    if (st.isSymbolicLink()) fail(`${join(dir, rel)} is a symbolic link: a bundle holds regular files only`);
    if (st.isDirectory()) out.push(...contentFiles(dir, rel));
    else if (st.isFile()) out.push(rel);
    else fail(`${join(dir, rel)} is not a regular file`);
  }
  return out.sort();
}

function readOptionalJson<T>(path: string | undefined, what: string): T | undefined {
  return path === undefined ? undefined : (readJson(path, what) as T);
}

function previousVersion(path: string): number {
  if (!existsSync(path)) return 0;
  const v = readJson(path, 'metadata') as { signed?: { version?: unknown } };
  return typeof v?.signed?.version === 'number' ? v.signed.version : 0;
}

async function add(argv: string[], c: Ctx): Promise<void> {
  const a = args(argv, {
    bundle: str,
    from: str,
    name: str,
    kind: str,
    version: str,
    description: str,
    'model-json': str,
    'app-json': str,
    'expires-days': str,
    previous: { type: 'string', multiple: true } as const,
  });
  const dir = resolve(need(a.bundle, 'bundle'));
  const from = resolve(need(a.from, 'from'));
  const kind = need(a.kind, 'kind');
  if (!(BUNDLE_KINDS as readonly string[]).includes(kind)) fail(`--kind must be one of ${BUNDLE_KINDS.join(', ')}`);
  const info: BundleInfo = { name: need(a.name, 'name'), kind: kind as BundleKind, version: need(a.version, 'version'), description: a.description ?? null };
  const model = readOptionalJson<ModelInfo>(a['model-json'], 'model JSON');
  const app = readOptionalJson<AppUpdateInfo>(a['app-json'], 'app JSON');
  if (model) info.model = model;
  if (app) info.app = app;
  const validInfo = compileSchema(bundleInfoSchema);
  if (!validInfo(info)) {
    const e = validInfo.errors?.[0];
    fail(`bundle info invalid: ${e ? `${e.instancePath || '/'} ${e.message ?? ''}` : 'schema mismatch'}`);
  }
  const targetsDir = join(dir, 'targets');
  const rel = relative(targetsDir, from);
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel)))
    fail(`--from ${from} is inside the bundle's targets/ it would replace`);
  if (!existsSync(from) || !lstatSync(from).isDirectory()) fail(`--from ${from} is not a directory`);
  const files = contentFiles(from);
  if (files.length === 0) fail(`--from ${from} holds no files`);
  checkTargetPaths(files);
  const need2 = (p: string, why: string) => {
    if (!files.includes(p)) fail(`a ${kind} bundle needs ${why} (${p}) among its files`);
  };
  if (kind === 'model') {
    if (!model) fail('a model bundle needs --model-json');
    need2(model!.file, 'the weights file');
    if (model!.role === 'embedding' && model!.embeddingDimension === null) fail('an embedding model must state embeddingDimension');
  }
  if (kind === 'app-update') {
    if (!app) fail('an app-update bundle needs --app-json');
    need2(app!.artifact, 'the installer');
    need2(app!.channelFile, 'the channel file');
  }
  if (kind === 'policy') need2('policy.yaml', 'the policy document');
  // Contracts: a minor or patch must not break the bundle's previous targets (or --previous DIRs).
  if (kind === 'contracts') checkContractsBuild(from, [join(dir, 'targets'), ...(a.previous ?? []).map((p) => resolve(p))]);

  const tPath = join(dir, 'metadata', 'targets.json');
  if (existsSync(tPath)) {
    const prevName = (readJson(tPath, 'metadata') as { signed?: { bundle?: unknown } })?.signed?.bundle;
    if (typeof prevName === 'string' && prevName !== info.name) fail(`${dir} holds bundle ${prevName}, not ${info.name}`);
  }
  const version = previousVersion(tPath) + 1;

  // Copy into a fresh directory, then swap it in: targets/ is replaced whole.
  const staging = join(dir, `.targets.${process.pid}.tmp`);
  rmSync(staging, { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(dirname(join(staging, f)), { recursive: true });
    copyFileSync(join(from, f), join(staging, f));
  }
  const targets = targetsOf(staging, files);
  rmSync(targetsDir, { recursive: true, force: true });
  renameSync(staging, targetsDir);

  const env: Envelope<TargetsMeta> = {
    signed: {
      _type: 'targets',
      spec_version: SPEC_VERSION,
      version,
      expires: isoIn(c.now, intArg(a['expires-days'], 'expires-days', DEFAULT_EXPIRY_DAYS.targets)),
      bundle: info.name,
      targets,
      custom: { bundle: info },
    },
    signatures: [],
  };
  writeMeta(tPath, env);
  const bytes = Object.values(targets).reduce((n, t) => n + t.length, 0);
  c.say(
    `wrote ${tPath}: ${info.name} ${info.version} (${info.kind}), targets v${version} (unsigned), ${files.length} file(s), ${human(bytes)}, expires ${env.signed.expires}`,
  );
  c.say(`  next: sign it with the targets threshold of keys, then publish`);
  c.result({
    bundle: dir,
    name: info.name,
    kind: info.kind,
    version: info.version,
    targetsVersion: version,
    files: files.length,
    bytes,
    expires: env.signed.expires,
  });
}

// ---------- publish ----------

async function publish(argv: string[], c: Ctx): Promise<void> {
  const a = args(argv, { bundle: str, root: strs, 'snapshot-key': strs, 'timestamp-key': strs, 'expires-days': str });
  const dir = resolve(need(a.bundle, 'bundle'));
  const chain = need(a.root, 'root')
    .map(readRoot)
    .sort((x, y) => x.signed.version - y.signed.version);
  // The chain must be one the verifier walks: each root signed by its own threshold and by the one before.
  for (let i = 0; i < chain.length; i++) {
    const r = chain[i]!;
    if (i > 0) {
      const p = chain[i - 1]!;
      if (r.signed.version !== p.signed.version + 1) fail(`the root chain skips from v${p.signed.version} to v${r.signed.version}`);
      verifyRoleSignatures(r, p.signed, 'root', `root v${r.signed.version} (by root v${p.signed.version})`);
    }
    verifyRoleSignatures(r, r.signed, 'root', `root v${r.signed.version} (by its own keys)`);
    if (Date.parse(r.signed.expires) <= c.now.getTime()) c.io.err(`warning: root v${r.signed.version} expired ${r.signed.expires}`);
  }
  const root = chain[chain.length - 1]!.signed;
  const expires = intArg(a['expires-days'], 'expires-days', DEFAULT_EXPIRY_DAYS.snapshot);

  const meta = join(dir, 'metadata');
  const targets = readEnvelope<TargetsMeta>(join(meta, 'targets.json'), 'targets');
  verifyRoleSignatures(targets, root, 'targets', 'targets.json');
  if (Date.parse(targets.signed.expires) <= c.now.getTime()) fail(`targets.json expired ${targets.signed.expires}: add the content again`);
  // The files must be the ones targets.json signs (nothing edited since add).
  checkListing(listTargetsSync(dir), targets.signed.targets);
  for (const [p, t] of Object.entries(targets.signed.targets)) {
    if (sha256File(join(dir, 'targets', p)) !== t.hashes.sha256)
      throw new BundleError('BUNDLE_HASH_MISMATCH', `targets/${p} changed after targets.json was made`, { path: p });
  }
  const snapKeys = await Promise.all(need(a['snapshot-key'], 'snapshot-key').map((f) => loadKey(c.io, f)));
  const tsKeys = await Promise.all(need(a['timestamp-key'], 'timestamp-key').map((f) => loadKey(c.io, f)));

  const name = targets.signed.bundle;
  const tb = metaBytes(targets);
  const snapshot = signEnvelope<SnapshotMeta>(
    {
      _type: 'snapshot',
      spec_version: SPEC_VERSION,
      version: previousVersion(join(meta, 'snapshot.json')) + 1,
      expires: isoIn(c.now, expires),
      bundle: name,
      meta: { 'targets.json': { version: targets.signed.version, length: tb.length, hashes: { sha256: sha256(tb) } } },
    },
    snapKeys,
  );
  verifyRoleSignatures(snapshot, root, 'snapshot', 'snapshot.json (the --snapshot-key signatures)');
  const sb = metaBytes(snapshot);
  const timestamp = signEnvelope<TimestampMeta>(
    {
      _type: 'timestamp',
      spec_version: SPEC_VERSION,
      version: previousVersion(join(meta, 'timestamp.json')) + 1,
      expires: isoIn(c.now, expires),
      bundle: name,
      meta: { 'snapshot.json': { version: snapshot.signed.version, length: sb.length, hashes: { sha256: sha256(sb) } } },
    },
    tsKeys,
  );
  verifyRoleSignatures(timestamp, root, 'timestamp', 'timestamp.json (the --timestamp-key signatures)');

  for (const r of chain) writeMeta(join(meta, `${r.signed.version}.root.json`), r);
  writeMeta(join(meta, 'targets.json'), targets);
  writeMeta(join(meta, 'snapshot.json'), snapshot);
  writeMeta(join(meta, 'timestamp.json'), timestamp);
  // What a device holding the first root of the chain will check, minus the file hashes done above.
  const v = verifyMetadata(dirMetaGetter(dir), { root: chain[0]!, roleVersions: {}, referenceTime: c.now });
  const info = targets.signed.custom.bundle;
  c.say(`published ${dir}: ${info.name} ${info.version} (${info.kind})`);
  c.say(
    `  targets v${v.versions.targets}, snapshot v${v.versions.snapshot}, timestamp v${v.versions.timestamp}; root chain v${chain[0]!.signed.version}…v${root.version}; expires ${v.expires}`,
  );
  c.result({
    bundle: dir,
    name: info.name,
    kind: info.kind,
    version: info.version,
    versions: v.versions,
    roots: chain.map((r) => r.signed.version),
    expires: v.expires,
  });
}

// ---------- verify ----------

function progressPrinter(io: CliIo): (p: BundleProgress) => void {
  let last = 0;
  return (p) => {
    if (p.phase === 'metadata') return;
    const pct = p.bytesTotal ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 100;
    const line = `verifying: ${human(p.bytesDone)} of ${human(p.bytesTotal)} (${pct}%)${p.etaSeconds !== null ? `, ETA ${Math.ceil(p.etaSeconds)}s` : ''}`;
    if (io.progress) return io.progress(line);
    const t = Date.now();
    if (t - last < 1000 && p.bytesDone !== p.bytesTotal) return;
    last = t;
    io.err(line);
  };
}

async function verifyCmd(argv: string[], c: Ctx): Promise<void> {
  const a = args(argv, { bundle: str, root: str });
  const dir = need(a.bundle, 'bundle');
  const root = readRoot(need(a.root, 'root'));
  let v;
  try {
    v = await verifyBundle(
      dirReader(dir),
      { root, roleVersions: {}, referenceTime: c.now },
      { sinkDir: null, onProgress: progressPrinter(c.io), opId: 'cli-verify' },
    );
  } finally {
    c.io.progress?.(null);
  }
  c.say(`OK ${v.info.name} ${v.info.version} (${v.info.kind}): ${v.files} file(s), ${human(v.bytesTotal)}, in ${Math.round(v.durationMs)} ms`);
  c.say(
    `  targets v${v.versions.targets}, snapshot v${v.versions.snapshot}, timestamp v${v.versions.timestamp}; root v${v.root.signed.version}${v.newRoots.length ? ` (rotated from v${root.signed.version})` : ''}; expires ${v.expires}`,
  );
  c.say(`  targets signed by ${v.signers.map((s) => short(s.keyid)).join(', ')}`);
  c.result({
    ok: true,
    name: v.info.name,
    kind: v.info.kind,
    version: v.info.version,
    files: v.files,
    bytes: v.bytesTotal,
    versions: v.versions,
    root: v.root.signed.version,
    signers: v.signers,
    expires: v.expires,
  });
}

// ---------- main ----------

const COMMANDS: Record<string, (argv: string[], c: Ctx) => Promise<void>> = { keygen, 'init-root': initRoot, sign, add, publish, verify: verifyCmd };

const USAGE = `usage: npm run bundle -- <command> [options] [--json]
  keygen     --out FILE [--keychain] [--force]
  init-root  --out FILE --root-key F… --root-threshold N --targets-key F… --targets-threshold N
             --snapshot-key F… --timestamp-key F… [--expires-days 365] [--from PREVIOUS_ROOT]
  sign       --meta FILE --key KEYFILE [--key …] [--trusted-root OLD_ROOT]
  add        --bundle DIR --from CONTENT_DIR --name NAME --kind KIND --version SEMVER
             [--description TEXT] [--model-json FILE] [--app-json FILE] [--expires-days 180]
  publish    --bundle DIR --root ROOT [--root …] --snapshot-key F --timestamp-key F [--expires-days 90]
  verify     --bundle DIR --root TRUSTED_ROOT
passphrase: $${PASSPHRASE_ENV}, else asked on the terminal`;

/** Run one command; returns the exit code (0 ok, 2 error or refusal). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    io.out(USAGE);
    return cmd ? 0 : 2;
  }
  const run = COMMANDS[cmd];
  const json = rest.includes('--json');
  if (!run) {
    io.err(`error: unknown command ${JSON.stringify(cmd)} (${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  if (rest.includes('--help')) {
    io.out(USAGE);
    return 0;
  }
  let result: Record<string, unknown> = {};
  const ctx: Ctx = {
    io,
    json,
    now: io.now?.() ?? new Date(),
    say: (line) => {
      if (!json) io.out(line);
    },
    result: (v) => {
      result = v;
    },
  };
  try {
    await run(rest, ctx);
    if (json) io.out(JSON.stringify(result));
    return 0;
  } catch (e) {
    const code = e instanceof BundleError || e instanceof KeyFileError ? e.code : e instanceof UsageError ? 'USAGE' : 'ERROR';
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    io.err(e instanceof BundleError ? `REFUSED ${code}: ${message}` : `error: ${message}`);
    const changes = e instanceof BundleError ? e.details.changes : undefined;
    if (json) io.out(JSON.stringify({ ok: false, code, message, ...(changes ? { changes } : {}) }));
    return 2;
  }
}

export function processIo(): CliIo {
  const tty = process.stderr.isTTY;
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    env: process.env,
    progress: tty ? (l) => process.stderr.write(l === null ? '\r\x1b[K' : `\r\x1b[K${l}`) : undefined,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}
