// Sample sealed bundles for `npm run demo`, signed with the development keys the app trusts:
//   <demo>/server/bundles/  served by the demo sync server (Sealed state → Install from server):
//     app-update           Maestro 0.2.0 (a placeholder installer): the app shows "Update 0.2.0 available"
//     model.demo-embed     a placeholder embedding model (ONNX file of random bytes + tokenizer)
//   <demo>/usb/            a "USB stick" (Sealed state → Install from folder):
//     model.demo-text      a placeholder text model (GGUF-named random bytes)
//     model.demo-text-tampered  the same, one byte changed after signing: refused (BUNDLE_HASH_MISMATCH)
// The model files are not real weights (none can be downloaded here); they show verification,
// install, quarantine and model metadata.
//   node --import tsx scripts/demo-bundles.ts <demoDir>
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle } from '../src/main/features/bundles/build';
import { DEV_KEY_PASSPHRASE } from '../src/main/features/bundles/seal';
import { loadSigningKey } from '../src/main/features/bundles/keyfile';
import type { BundleInfo, Envelope, RootMeta } from '../src/shared/bundles/types';

const [demoDir] = process.argv.slice(2);
if (!demoDir) throw new Error('usage: demo-bundles.ts <demoDir>');
const trust = fileURLToPath(new URL('../resources/trust', import.meta.url));
const key = (role: string) => loadSigningKey(join(trust, 'dev-keys', `${role}.key`), { passphrase: () => DEV_KEY_PASSPHRASE });
const keys = { targets: [await key('targets')], snapshot: [await key('snapshot')], timestamp: [await key('timestamp')] };
const roots = [JSON.parse(readFileSync(join(trust, 'root.json'), 'utf8')) as Envelope<RootMeta>];
const version = Math.floor(Date.now() / 1000);

function make(out: string, info: BundleInfo, files: Record<string, string | Buffer>): void {
  const content = `${out}.content`;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(content, { recursive: true });
  for (const [p, b] of Object.entries(files)) writeFileSync(join(content, p), b);
  buildBundle({ contentDir: content, out, info, keys, roots, versions: { targets: version, snapshot: version, timestamp: version } });
  rmSync(content, { recursive: true, force: true });
}

const server = join(demoDir, 'server', 'bundles');
const installer = randomBytes(256 * 1024);
make(
  join(server, 'app-update'),
  {
    name: 'app-update',
    kind: 'app-update',
    version: '0.2.0',
    description: 'Maestro 0.2.0 (demo placeholder installer)',
    app: { appVersion: '0.2.0', artifact: 'Maestro-0.2.0.AppImage', channelFile: 'latest-linux.yml', releaseNotes: 'Demo release: sealed bundles everywhere.' },
  },
  {
    'Maestro-0.2.0.AppImage': installer,
    'latest-linux.yml': `version: 0.2.0\nfiles:\n  - url: Maestro-0.2.0.AppImage\n    size: ${installer.length}\npath: Maestro-0.2.0.AppImage\n`,
  },
);
make(
  join(server, 'model.demo-embed'),
  {
    name: 'model.demo-embed',
    kind: 'model',
    version: '1.0.0',
    description: 'Demo embedding model (placeholder weights)',
    model: {
      role: 'embedding',
      format: 'onnx',
      file: 'model.onnx',
      family: 'demo-minilm',
      quantization: 'fp32',
      contextLength: 256,
      embeddingDimension: 384,
      licence: 'Apache-2.0',
    },
  },
  {
    'model.onnx': randomBytes(2 * 1024 * 1024),
    'tokenizer.json': JSON.stringify({ version: '1.0', model: { type: 'WordPiece', vocab: { '[PAD]': 0, '[UNK]': 1 } } }),
  },
);
const usb = join(demoDir, 'usb');
const textModel: BundleInfo = {
  name: 'model.demo-text',
  kind: 'model',
  version: '1.0.0',
  description: 'Demo text model (placeholder weights)',
  model: {
    role: 'text',
    format: 'gguf',
    file: 'model.gguf',
    family: 'demo-llama',
    quantization: 'Q4_K_M',
    contextLength: 4096,
    embeddingDimension: null,
    licence: 'Apache-2.0',
  },
};
make(join(usb, 'model.demo-text'), textModel, { 'model.gguf': randomBytes(8 * 1024 * 1024) });
make(join(usb, 'model.demo-text-tampered'), { ...textModel, version: '1.0.1' }, { 'model.gguf': randomBytes(8 * 1024 * 1024) });
const f = join(usb, 'model.demo-text-tampered', 'targets', 'model.gguf');
const b = readFileSync(f);
b[1000] = b[1000]! ^ 0xff;
writeFileSync(f, b);
process.stdout.write(`demo bundles: ${server} (app-update 0.2.0, model.demo-embed) and ${usb} (model.demo-text, and a tampered copy)\n`);
