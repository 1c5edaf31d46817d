// The inference service over real tiny models installed as verified bundles: fallbacks without
// models, both slots loaded from bundles, a quarantined model falls back, aborts reach generations.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../platform/test-utils';
import { silentLogger } from '../../platform/util/logger';
import { dirReader } from '../bundles/verify';
import { makeRepo, makeStore } from '../bundles/testing';
import { writeTinyGguf } from './gguf-writer';
import { tinyEmbeddingModelInfo, writeTinyEmbeddingModel } from './onnx-writer';
import { createInferenceService } from './index';

async function setup() {
  const work = tempDir('maestro-inf-');
  const repo = makeRepo();
  const fx = makeStore({ dataDir: join(work, 'data'), root: repo.root });
  const svc = createInferenceService({ bundles: fx.store, logger: silentLogger, gpu: false, fallbackDimension: 64 });
  return { work, repo, fx, svc };
}

describe('inference service', () => {
  it('serves the fallbacks with no model installed, then both models from verified bundles', async () => {
    const { work, repo, fx, svc } = await setup();
    expect(svc.text()).toBeNull();
    expect(svc.status().text).toMatchObject({
      arm: 'fallback',
      id: 'extractive@1',
      state: 'none',
      fallbackReason: 'no verified text model bundle is installed',
      fallbackWhy: { code: 'models.fallback.no_text_model' },
    });
    expect(svc.status().embedding).toMatchObject({
      arm: 'fallback',
      id: 'hashed-ngram@1',
      state: 'ready',
      fallbackReason: 'no verified embedding model bundle is installed',
      fallbackWhy: { code: 'models.fallback.no_embedding_model' },
    });
    const [v] = await svc.embedder().embed(['valve B corrosion']);
    expect(v).toHaveLength(64);

    const gg = join(work, 'gguf');
    mkdirSync(gg, { recursive: true });
    writeTinyGguf(join(gg, 'model.gguf'));
    repo.build(
      join(work, 'text'),
      {
        name: 'model.tiny-text',
        kind: 'model',
        model: {
          role: 'text',
          format: 'gguf',
          file: 'model.gguf',
          family: 'tiny-llama',
          quantization: 'F32',
          contextLength: 256,
          embeddingDimension: null,
          licence: 'MIT',
        },
      },
      { 'model.gguf': readFileSync(join(gg, 'model.gguf')) },
    );
    const on = join(work, 'onnx');
    writeTinyEmbeddingModel(on, { dimension: 32 });
    repo.build(
      join(work, 'embed'),
      { name: 'model.tiny-embed', kind: 'model', model: tinyEmbeddingModelInfo({ dimension: 32 }) },
      { 'model.onnx': readFileSync(join(on, 'model.onnx')), 'tokenizer.json': readFileSync(join(on, 'tokenizer.json')) },
    );
    await fx.store.install(dirReader(join(work, 'text')));
    await fx.store.install(dirReader(join(work, 'embed')));
    const st = await svc.reload();
    expect(st.text).toMatchObject({
      arm: 'model',
      id: 'model.tiny-text@1.0.0',
      state: 'ready',
      backend: 'cpu',
      fallbackWhy: { code: 'models.fallback.gpu_disabled' },
    });
    expect(st.embedding).toMatchObject({ arm: 'model', id: 'model.tiny-embed@1.0.0', state: 'ready' });
    // Where the GPU providers could not be tried (no CUDA here), the English and the code say the same.
    expect(st.embedding.fallbackWhy === null).toBe(st.embedding.fallbackReason === null);
    expect(svc.embedder().dimension).toBe(32);
    const r = await svc.text()!.generate({ prompt: 'Inspect the valve', maxTokens: 4, timeoutMs: 10_000 });
    expect(r).toMatchObject({ stopReason: 'maxTokens', tokens: 4, model: 'model.tiny-text@1.0.0' });

    // Abort reaches a running generation of that run only.
    const a = svc.signalFor('run_a');
    const b = svc.signalFor('run_b');
    const pending = svc.text()!.generate({ prompt: 'Inspect the valve', maxTokens: 200, timeoutMs: 30_000, signal: a.signal });
    expect(svc.abort('run_a')).toBe(1);
    expect((await pending).stopReason).toBe('abort');
    expect(b.signal.aborted).toBe(false);
    a.done();
    b.done();
    expect(svc.abort()).toBe(0);

    // The weights change at rest: the model bundle is quarantined, the text slot falls back.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(fx.store.active('model.tiny-text')!.pathOf('model.gguf'), 'tampered');
    fx.store.startupCheck();
    const after = await svc.reload();
    expect(after.text).toMatchObject({ arm: 'fallback', id: 'extractive@1', fallbackWhy: { code: 'models.fallback.no_text_model' } });
    expect(svc.text()).toBeNull();
    await svc.close();
  }, 60_000);

  it('an embedding model that fails its checks leaves the slot on the fallback, with the reason as a code', async () => {
    const { work, repo, fx, svc } = await setup();
    const on = join(work, 'onnx');
    writeTinyEmbeddingModel(on, { dimension: 32 });
    repo.build(
      join(work, 'embed'),
      { name: 'model.tiny-embed', kind: 'model', model: tinyEmbeddingModelInfo({ dimension: 32 }) },
      { 'model.onnx': readFileSync(join(on, 'model.onnx')) },
    );
    await fx.store.install(dirReader(join(work, 'embed')));
    const st = await svc.reload();
    expect(st.embedding).toMatchObject({
      arm: 'fallback',
      id: 'hashed-ngram@1',
      state: 'error',
      fallbackReason: 'model.tiny-embed@1.0.0 failed to load: the bundle has no tokenizer.json',
      fallbackWhy: { code: 'models.load_failed.no_tokenizer', params: { model: 'model.tiny-embed@1.0.0' } },
    });
    expect(svc.embedder().dimension).toBe(64);
    await svc.close();
  }, 60_000);
});
