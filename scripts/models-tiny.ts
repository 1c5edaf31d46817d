// npm run models:tiny [-- <dir>] [--force] [--json]: write two tiny random-weight model bundles into
// <dir> (default models/, which the app installs from at start), sealed with the DEVELOPMENT keys
// the app trusts (resources/trust/dev-keys, passphrase public: resources/trust/README.md):
//
//   model.tiny-text   role text, GGUF (src/main/features/inference/gguf-writer.ts): a 2-block llama that
//                     node-llama-cpp loads and runs on the CPU; output is gibberish by design.
//   model.tiny-embed  role embedding, ONNX + tokenizer.json (src/main/features/inference/onnx-writer.ts):
//                     384 dimensions, the graph pools and normalises; vectors mean nothing.
//
// For development, demos and end-to-end tests of the model arms (loading, status, budgets), never
// for real use: the shipped policy does not allow model.tiny-text, the development policy overlay
// does (MAESTRO_DEV_POLICY=1, resources/policy-dev, docs/decisions/0026). Metadata versions are the seconds since the epoch (above any earlier run's); an
// existing bundle with the same content, valid under the trusted root for 30 more days, is left
// untouched (unless --force), so repeated runs do not churn the models folder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { canonicalJson } from '../src/shared/canonical';
import type { BundleInfo, Envelope, RootMeta } from '../src/shared/bundles/types';
import { buildBundle, DAY_MS, targetsOf } from '../src/main/features/bundles/build';
import { loadSigningKey } from '../src/main/features/bundles/keyfile';
import type { SigningKey } from '../src/main/features/bundles/keys';
import { DEV_KEY_PASSPHRASE, RESEAL_MARGIN_DAYS, SEAL_EXPIRY_DAYS } from '../src/main/features/bundles/seal';
import { verifyDirSync } from '../src/main/features/bundles/verify';
import { writeTinyGguf } from '../src/main/features/inference/gguf-writer';
import { tinyEmbeddingModelInfo, writeTinyEmbeddingModel } from '../src/main/features/inference/onnx-writer';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export const TINY_EMBED_DIMENSION = 384;
export const TINY_CONTEXT = 256;

export interface TinyBundleResult {
  name: string;
  dir: string;
  /** true: written now; false: the bundle there was already this content, validly signed. */
  sealed: boolean;
  reason: string;
  version: string;
  targetsVersion: number;
  bytes: number;
}

interface TinyBundle {
  info: BundleInfo;
  /** Write the content files into `dir`. */
  write(dir: string): void;
}

export const TINY_BUNDLES: readonly TinyBundle[] = [
  {
    info: {
      name: 'model.tiny-text',
      kind: 'model',
      version: '1.0.0',
      description: 'Tiny random-weight llama (GGUF) for development and tests: output is gibberish by design',
      model: {
        role: 'text',
        format: 'gguf',
        file: 'model.gguf',
        family: 'tiny-llama',
        quantization: 'F32',
        contextLength: TINY_CONTEXT,
        embeddingDimension: null,
        licence: 'Apache-2.0',
      },
    },
    write: (dir) => void writeTinyGguf(join(dir, 'model.gguf'), { contextLength: TINY_CONTEXT }),
  },
  {
    info: {
      name: 'model.tiny-embed',
      kind: 'model',
      version: '1.0.0',
      description: 'Tiny random-weight sentence embedder (ONNX + WordPiece tokenizer) for development and tests: vectors mean nothing',
      model: tinyEmbeddingModelInfo({ dimension: TINY_EMBED_DIMENSION, contextLength: TINY_CONTEXT }),
    },
    write: (dir) => void writeTinyEmbeddingModel(dir, { dimension: TINY_EMBED_DIMENSION }),
  },
];

/** The targets version of the bundle in `dir`, 0 when there is none (or it is unreadable). */
function targetsVersionOf(dir: string): number {
  try {
    return (JSON.parse(readFileSync(join(dir, 'metadata', 'targets.json'), 'utf8')) as { signed: { version: number } }).signed.version;
  } catch {
    return 0;
  }
}

/** Why `dir` must be (re)written, or null when it holds exactly this content, validly signed under `root`. */
function staleness(dir: string, root: Envelope<RootMeta>, info: BundleInfo, want: string, now: Date): string | null {
  if (!existsSync(join(dir, 'metadata', 'timestamp.json'))) return 'not written yet';
  try {
    const v = verifyDirSync(dir, { root, roleVersions: {}, referenceTime: new Date(now.getTime() + RESEAL_MARGIN_DAYS * DAY_MS) });
    if (canonicalJson(v.info) !== canonicalJson(info)) return 'bundle info changed';
    if (canonicalJson(v.targets.signed.targets) !== want) return 'content changed';
    return null;
  } catch (e) {
    return `not valid under the trusted root for ${RESEAL_MARGIN_DAYS} more days (${(e as Error).message.split('\n')[0]})`;
  }
}

export async function writeTinyModelBundles(o: { outDir: string; resourcesDir?: string; now?: Date; force?: boolean }): Promise<TinyBundleResult[]> {
  const now = o.now ?? new Date();
  const trust = join(o.resourcesDir ?? join(repoRoot, 'resources'), 'trust');
  const root = JSON.parse(readFileSync(join(trust, 'root.json'), 'utf8')) as Envelope<RootMeta>;
  let keys: Promise<{ targets: SigningKey[]; snapshot: SigningKey[]; timestamp: SigningKey[] }> | null = null;
  const loadKeys = () =>
    (keys ??= (async () => {
      const [targets, snapshot, timestamp] = await Promise.all(
        (['targets', 'snapshot', 'timestamp'] as const).map((r) =>
          loadSigningKey(join(trust, 'dev-keys', `${r}.key`), { passphrase: () => DEV_KEY_PASSPHRASE }),
        ),
      );
      for (const [role, k] of [
        ['targets', targets!],
        ['snapshot', snapshot!],
        ['timestamp', timestamp!],
      ] as const) {
        if (!root.signed.roles[role].keyids.includes(k.keyid) || root.signed.roles[role].threshold > 1)
          throw new Error(`${join(trust, 'root.json')} does not accept dev-keys/${role}.key alone for ${role}: it is not the development root`);
      }
      return { targets: [targets!], snapshot: [snapshot!], timestamp: [timestamp!] };
    })());

  mkdirSync(o.outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'maestro-models-tiny-'));
  const results: TinyBundleResult[] = [];
  try {
    for (const b of TINY_BUNDLES) {
      const content = join(work, `${b.info.name}.content`);
      mkdirSync(content, { recursive: true });
      b.write(content);
      const targets = targetsOf(content);
      const bytes = Object.values(targets).reduce((a, t) => a + t.length, 0);
      const out = join(o.outDir, b.info.name);
      const reason = o.force ? 'forced' : staleness(out, root, b.info, canonicalJson(targets), now);
      if (!reason) {
        results.push({
          name: b.info.name,
          dir: out,
          sealed: false,
          reason: 'unchanged',
          version: b.info.version,
          targetsVersion: targetsVersionOf(out),
          bytes,
        });
        continue;
      }
      // Seconds since the epoch, and above what was written there before.
      const version = Math.max(Math.floor(now.getTime() / 1000), targetsVersionOf(out) + 1);
      const tmp = join(o.outDir, `.${b.info.name}.${process.pid}.tmp`);
      rmSync(tmp, { recursive: true, force: true });
      try {
        buildBundle({
          contentDir: content,
          out: tmp,
          info: b.info,
          keys: await loadKeys(),
          roots: [root],
          now,
          versions: { targets: version, snapshot: version, timestamp: version },
          expiresDays: { targets: SEAL_EXPIRY_DAYS, snapshot: SEAL_EXPIRY_DAYS, timestamp: SEAL_EXPIRY_DAYS },
        });
        verifyDirSync(tmp, { root, roleVersions: {}, referenceTime: now });
        rmSync(out, { recursive: true, force: true });
        renameSync(tmp, out);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
      results.push({ name: b.info.name, dir: out, sealed: true, reason, version: b.info.version, targetsVersion: version, bytes });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

export async function modelsTinyMain(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<TinyBundleResult[]> {
  const positional = argv.filter((a) => !a.startsWith('--'));
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--force' && a !== '--json');
  if (unknown.length || positional.length > 1) throw new Error(`usage: npm run models:tiny [-- <dir>] [--force] [--json] (got ${argv.join(' ')})`);
  const outDir = resolve(positional[0] ?? join(repoRoot, 'models'));
  const results = await writeTinyModelBundles({ outDir, force: argv.includes('--force') });
  if (argv.includes('--json')) out(JSON.stringify(results));
  else
    for (const r of results)
      out(
        `${r.sealed ? 'written  ' : 'unchanged'} ${r.name} ${r.version} (targets v${r.targetsVersion}, ${(r.bytes / 1024).toFixed(0)} KiB) in ${r.dir}${r.sealed ? `: ${r.reason}` : ''}`,
      );
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  modelsTinyMain(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
    process.exit(2);
  });
}
