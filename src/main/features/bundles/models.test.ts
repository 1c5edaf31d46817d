import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../platform/test-utils';
import { dirReader } from './verify';
import { makeRepo, makeStore } from './testing';
import { verifiedModels } from './models';
import type { ModelInfo } from '../../../shared/bundles/types';

const model = (): ModelInfo => ({
  role: 'text',
  format: 'gguf',
  file: 'model.gguf',
  family: 'tiny-llama',
  quantization: 'F32',
  contextLength: 256,
  embeddingDimension: null,
  licence: 'Apache-2.0',
});

describe('model bundles', () => {
  it('weights are handed out only from a verified bundle; a changed file falls back to the previous version', async () => {
    const work = tempDir('maestro-models-');
    const repo = makeRepo();
    const fx = makeStore({ dataDir: join(work, 'data'), root: repo.root });
    for (const n of [1, 2]) {
      const out = join(work, `m${n}`);
      repo.build(
        out,
        { name: 'model.tiny-text', kind: 'model', version: `0.${n}.0`, model: model() },
        { 'model.gguf': Buffer.alloc(4096, n), 'tokenizer.json': '{}' },
        { versions: { targets: n, snapshot: n, timestamp: n } },
      );
      await fx.store.install(dirReader(out));
    }
    const [m] = verifiedModels(fx.store, 'text');
    expect(m).toMatchObject({ bundle: 'model.tiny-text', version: '0.2.0', info: { family: 'tiny-llama', contextLength: 256 } });
    expect(readFileSync(m!.weightsPath)[0]).toBe(2);
    expect(Object.keys(m!.files).sort()).toEqual(['model.gguf', 'tokenizer.json']);
    expect(verifiedModels(fx.store, 'embedding')).toEqual([]);

    writeFileSync(m!.weightsPath, Buffer.alloc(10, 9));
    const [again] = verifiedModels(fx.store, 'text');
    expect(again).toMatchObject({ version: '0.1.0' });
    expect(readFileSync(again!.weightsPath)[0]).toBe(1);
    expect(fx.store.report().bundles.find((b) => b.version === '0.2.0')).toMatchObject({ state: 'quarantined' });
  });

  it('a model bundle without weights among its targets is refused (kind mismatch)', async () => {
    const work = tempDir('maestro-models-');
    const repo = makeRepo();
    const fx = makeStore({ dataDir: join(work, 'data'), root: repo.root });
    const out = join(work, 'bad');
    repo.build(out, { name: 'model.bad', kind: 'model', model: { ...model(), file: 'missing.gguf' } }, { 'model.gguf': 'x' });
    await expect(fx.store.install(dirReader(out))).rejects.toMatchObject({ code: 'BUNDLE_KIND_MISMATCH' });
  });

  it('installFromDir installs every new bundle in a folder (models/) and skips those installed', async () => {
    const work = tempDir('maestro-models-');
    const repo = makeRepo();
    const fx = makeStore({ dataDir: join(work, 'data'), root: repo.root });
    repo.build(join(work, 'models', 'a'), { name: 'model.a', kind: 'model', model: model() }, { 'model.gguf': 'a' });
    repo.build(join(work, 'models', 'b'), { name: 'model.b', kind: 'model', model: model() }, { 'model.gguf': 'b' });
    writeFileSync(join(work, 'models', 'README.md'), 'not a bundle');
    expect(await fx.store.installFromDir(join(work, 'models'))).toEqual({ installed: ['a', 'b'], refused: [] });
    expect(await fx.store.installFromDir(join(work, 'models'))).toEqual({ installed: [], refused: [] });
  });
});
