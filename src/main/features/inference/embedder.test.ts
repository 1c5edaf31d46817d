import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tempDir } from '../../platform/test-utils';
import { dirReader } from '../bundles/verify';
import { makeRepo, makeStore, type StoreFixture, type TestRepo } from '../bundles/testing';
import { verifiedModels, type VerifiedModel } from '../bundles/models';
import type { Envelope, ModelInfo, RootMeta } from '../../../shared/bundles/types';
import { writeTinyModelBundles } from '../../../../scripts/models-tiny';
import { tinyEmbeddingModelInfo, writeTinyEmbeddingModel, type TinyEmbeddingOptions } from './onnx-writer';
import { EmbedderLoadError, loadOnnxEmbedder, type OnnxEmbedder } from './embedder';
import { startTokenizeWorker } from './tokenize-worker';

const CONTEXT = 16;
const work = tempDir('maestro-embed-');
let repo: TestRepo;
let fx: StoreFixture;
let n = 0;

/** Write the tiny model into a temp dir, build it as a signed bundle, install it, return it verified. */
async function install(
  name: string,
  opts: TinyEmbeddingOptions,
  info: Partial<ModelInfo> = {},
  files?: (f: Record<string, Buffer>) => Record<string, Buffer>,
): Promise<VerifiedModel> {
  const dir = join(work, `src-${++n}`);
  const m = writeTinyEmbeddingModel(dir, opts);
  let content: Record<string, Buffer> = { 'model.onnx': readFileSync(m.modelPath), 'tokenizer.json': readFileSync(m.tokenizerPath) };
  if (files) content = files(content);
  const out = join(work, `bundle-${n}`);
  repo.build(out, { name, kind: 'model', version: '1.0.0', model: { ...tinyEmbeddingModelInfo(opts), ...info } }, content);
  await fx.store.install(dirReader(out));
  const v = verifiedModels(fx.store, 'embedding').find((x) => x.bundle === name);
  if (!v) throw new Error(`${name} not verified`);
  return v;
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

const TEXTS = [
  'Water leak in the north stairwell',
  'Crack in the concrete wall, floor 3',
  'Vattenläcka i trapphuset',
  'Fissure dans le mur de béton',
  'Riss in der Betonwand im dritten Stock',
  'Grieta en la pared de hormigón',
  'Fire door blocked by pallets',
  'Temperature of the frozen samples above -18 °C',
];

describe('ONNX embedder (tiny model from a verified bundle)', () => {
  let graph: VerifiedModel;
  let tokens: VerifiedModel;
  let e: OnnxEmbedder;

  beforeAll(async () => {
    repo = makeRepo();
    fx = makeStore({ dataDir: join(work, 'data'), root: repo.root });
    graph = await install('model.tiny-embed', { dimension: 32, contextLength: CONTEXT });
    tokens = await install('model.tiny-embed-tokens', { dimension: 32, contextLength: CONTEXT, pooling: 'none' });
    e = (await loadOnnxEmbedder(graph, { maxBatch: 8 })).embedder;
  });
  afterAll(async () => {
    await e?.close();
    fx?.db.close();
  });

  it('loads on the CPU with its bundle id, dimension and a ready status', async () => {
    const { embedder, status } = await loadOnnxEmbedder(graph);
    expect(embedder.id).toBe('model.tiny-embed@1.0.0');
    expect(embedder.dimension).toBe(32);
    expect(status).toMatchObject({ arm: 'model', id: 'model.tiny-embed@1.0.0', state: 'ready', tokensPerSecond: null });
    // On Linux the default order tries cuda first; with onnxruntime-node-install=skip (.npmrc) no
    // CUDA provider is installed, so it is the CPU and the status says why.
    expect(['cpu', 'cuda']).toContain(status.backend);
    if (status.backend === 'cpu') expect(status.device).toMatch(/^cpu/);
    if (status.backend === 'cpu' && process.platform === 'linux') expect(status.fallbackReason).toMatch(/^cuda: /);
    await embedder.embed(TEXTS);
    expect(status.tokensPerSecond).toBeGreaterThan(0);
    expect(embedder.status().tokensPerSecond).toBe(status.tokensPerSecond);
    await embedder.close();
    expect(status.state).toBe('none');
    await expect(embedder.embed(['x'])).rejects.toThrow(/closed/);
  });

  it('embeds a batch bigger than the cap: one unit vector of the right width per text, in order', async () => {
    const texts = Array.from({ length: 75 }, (_, i) => `${TEXTS[i % TEXTS.length]} (note ${i}${' extra'.repeat(i % 5)})`);
    const vs = await e.embed(texts);
    expect(vs).toHaveLength(75);
    for (const v of vs) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(32);
      expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-5);
    }
    // In order: each vector is the text's own (embedded alone).
    for (const i of [0, 13, 74]) expect(maxDiff(vs[i]!, (await e.embed([texts[i]!]))[0]!)).toBeLessThan(1e-5);
    expect(await e.embed([])).toEqual([]);
  });

  it('is deterministic: same texts, same vectors, across calls and across loads', async () => {
    const a = await e.embed(TEXTS);
    const b = await e.embed(TEXTS);
    a.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(b[i]!)));
    const again = await loadOnnxEmbedder(graph, { maxBatch: 8 });
    const c = await again.embedder.embed(TEXTS);
    a.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(c[i]!)));
    await again.embedder.close();
  });

  it('identical texts give identical vectors, different texts different ones', async () => {
    const vs = await e.embed([TEXTS[0]!, TEXTS[1]!, TEXTS[0]!, TEXTS[2]!, TEXTS[0]!]);
    expect(maxDiff(vs[0]!, vs[2]!)).toBeLessThan(1e-6);
    expect(maxDiff(vs[0]!, vs[4]!)).toBeLessThan(1e-6);
    expect(cos(vs[0]!, vs[1]!)).toBeLessThan(0.999);
    expect(cos(vs[1]!, vs[3]!)).toBeLessThan(0.999);
  });

  it('padding does not change a vector: a text alone equals the same text batched with longer ones', async () => {
    const [alone] = await e.embed(['Leak']);
    const batched = await e.embed([
      'Leak',
      'A much longer description of the leak in the roof of building B',
      'Another long note about water damage on floor three',
    ]);
    expect(maxDiff(alone!, batched[0]!)).toBeLessThan(1e-6);
  });

  it('truncates to the model context length, keeping [SEP]', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const ids = e.tokenize(long);
    expect(ids).toHaveLength(CONTEXT);
    expect(ids[0]).toBe(2); // [CLS]
    expect(ids[CONTEXT - 1]).toBe(3); // [SEP]
    expect(e.tokenize('short text').length).toBeLessThan(CONTEXT);
    // What lies past the context does not change the vector; what lies inside does.
    const [a, b, c] = await e.embed([long, `${long} and a lot more text after it`, `changed ${long}`]);
    expect(maxDiff(a!, b!)).toBeLessThan(1e-6);
    expect(cos(a!, c!)).toBeLessThan(0.9999);
    // A huge text is cut before tokenising, still CONTEXT tokens.
    expect(e.tokenize('x '.repeat(500_000))).toHaveLength(CONTEXT);
  });

  it('tokenises a big batch on the worker thread exactly as one text at a time on this one', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const texts = Array.from({ length: 40 }, (_, i) => [`${TEXTS[i % TEXTS.length]} ${i}`, long, 'x '.repeat(50_000), 'Ünïcode ✓ 日本語 ', ''][i % 5]!);
    const many = await e.tokenizeMany(texts);
    expect(many).toEqual(texts.map((t) => e.tokenize(t)));
    expect(many[1]).toHaveLength(CONTEXT);
    // A small batch stays on this thread, with the same answer.
    expect(await e.tokenizeMany(texts.slice(0, 3))).toEqual(texts.slice(0, 3).map((t) => e.tokenize(t)));
  });

  it('a tokenizer worker that cannot start rejects, and one closed says so', async () => {
    const bad = startTokenizeWorker({ not: 'a tokenizer' }, {});
    await expect(bad.encode(['a', 'b'])).rejects.toThrow(/model/);
    expect(bad.alive).toBe(false);
    const json = JSON.parse(readFileSync(graph.files['tokenizer.json']!, 'utf8')) as object;
    const good = startTokenizeWorker(json, {});
    const [ids] = await good.encode(['short text']);
    expect(ids!.length).toBeGreaterThan(2);
    await good.close();
    expect(good.alive).toBe(false);
    await expect(good.encode(['x'])).rejects.toThrow(/not running/);
  });

  it('pools token embeddings in JS when the graph does not (same table: same vectors as the pooling graph)', async () => {
    const t = await loadOnnxEmbedder(tokens, { maxBatch: 3 });
    const a = await t.embedder.embed(TEXTS);
    const b = await e.embed(TEXTS);
    a.forEach((v, i) => {
      expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-5);
      expect(maxDiff(v, b[i]!)).toBeLessThan(1e-5);
    });
    await t.embedder.close();
  });

  it('records providers that are not available and falls back to the CPU', async () => {
    const { embedder, status } = await loadOnnxEmbedder(graph, { executionProviders: ['no-such-ep', 'cpu'] });
    expect(status.backend).toBe('cpu');
    expect(status.fallbackReason).toMatch(/^no-such-ep: not in this onnxruntime-node build/);
    expect(status.fallbackWhy).toEqual({ code: 'models.provider.not_in_build', params: { ep: 'no-such-ep', platform: `${process.platform}-${process.arch}` } });
    await embedder.close();
    // Several providers that could not be tried: joined into one reason.
    const two = await loadOnnxEmbedder(graph, { executionProviders: ['no-such-ep', 'nor-this-ep', 'cpu'] });
    const both = two.status.fallbackReason!;
    expect(both).toMatch(/^no-such-ep: not in this onnxruntime-node build for .*; nor-this-ep: not in this/);
    expect(two.status.fallbackWhy).toEqual({ code: 'models.fallback.providers', params: { detail: both } });
    await two.embedder.close();
    const cpuOnly = await loadOnnxEmbedder(graph, { executionProviders: ['cpu'] });
    expect(cpuOnly.status.fallbackReason).toBeNull();
    expect(cpuOnly.status.fallbackWhy).toBeNull();
    await cpuOnly.embedder.close();
  });

  it('refuses a bundle without tokenizer.json, and a width that differs from the bundle', async () => {
    const noTok = await install('model.tiny-embed-notok', { dimension: 8 }, {}, (f) => ({ 'model.onnx': f['model.onnx']! }));
    await expect(loadOnnxEmbedder(noTok)).rejects.toMatchObject({
      name: 'EmbedderLoadError',
      fallbackReason: 'the bundle has no tokenizer.json',
      why: { key: 'no_tokenizer' },
    });
    const wrong = await install('model.tiny-embed-wrong', { dimension: 8 }, { embeddingDimension: 16 });
    const err = await loadOnnxEmbedder(wrong).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(EmbedderLoadError);
    expect((err as EmbedderLoadError).fallbackReason).toBe('the model outputs 8 dimensions, its bundle says 16');
    expect((err as EmbedderLoadError).why).toMatchObject({ key: 'dimensions', params: { n: 8, expected: 16 } });
  });

  it('bulk embedding keeps the event loop responsive (max delay printed)', async () => {
    const wide = await install('model.tiny-embed-384', { dimension: 384, contextLength: 128 });
    const { embedder } = await loadOnnxEmbedder(wide);
    const texts = Array.from({ length: 2000 }, (_, i) => `${TEXTS[i % TEXTS.length]}: inspection ${i}, ${'observed '.repeat(i % 20)}site ${i % 97}`);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t0 = performance.now();
    const vs = await embedder.embed(texts);
    const ms = performance.now() - t0;
    h.disable();
    expect(vs).toHaveLength(2000);
    const maxMs = h.max / 1e6;
    console.log(
      JSON.stringify({
        figure: 'embedding.eventLoop',
        texts: 2000,
        dimension: 384,
        wallMs: Math.round(ms),
        textsPerSecond: Math.round(2000 / (ms / 1000)),
        tokensPerSecond: embedder.status().tokensPerSecond,
        eventLoopMaxDelayMs: Math.round(maxMs * 10) / 10,
        eventLoopP99Ms: Math.round((h.percentile(99) / 1e6) * 10) / 10,
      }),
    );
    expect(Number.isFinite(maxMs)).toBe(true);
    await embedder.close();
  });

  it('npm run models:tiny writes bundles the app trusts (development root): the embedder loads from them', async () => {
    const out = join(work, 'models');
    const first = await writeTinyModelBundles({ outDir: out });
    expect(first.map((r) => [r.name, r.sealed])).toEqual([
      ['model.tiny-text', true],
      ['model.tiny-embed', true],
    ]);
    expect((await writeTinyModelBundles({ outDir: out })).map((r) => r.reason)).toEqual(['unchanged', 'unchanged']);
    const devRoot = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../resources/trust/root.json', import.meta.url)), 'utf8')) as Envelope<RootMeta>;
    const app = makeStore({ dataDir: join(work, 'app-data'), root: devRoot });
    expect((await app.store.installFromDir(out)).installed.sort()).toEqual(['model.tiny-embed', 'model.tiny-text']);
    expect(verifiedModels(app.store, 'text').map((m) => m.info.format)).toEqual(['gguf']);
    const [m] = verifiedModels(app.store, 'embedding');
    const { embedder, status } = await loadOnnxEmbedder(m!);
    expect(embedder.id).toBe('model.tiny-embed@1.0.0');
    expect(embedder.dimension).toBe(384);
    expect(status.state).toBe('ready');
    const [v] = await embedder.embed(['Water leak in the north stairwell']);
    expect(Math.abs(norm(v!) - 1)).toBeLessThan(1e-5);
    await embedder.close();
    app.db.close();
  });
});
