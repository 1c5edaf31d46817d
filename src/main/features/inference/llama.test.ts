// The text model arm on a real (tiny, random-weight) GGUF through node-llama-cpp: nothing mocked but
// the GPU failures. The model is written here, sealed as a model bundle, installed and verified,
// and loaded from the verified path. Assertions are on mechanics, never on the (gibberish) text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Ajv } from 'ajv';
import { getLlama, type Llama, type LlamaOptions } from 'node-llama-cpp';
import { tempDir } from '../../platform/test-utils';
import { dirReader } from '../bundles/verify';
import { makeRepo, makeStore } from '../bundles/testing';
import { verifiedModels, type VerifiedModel } from '../bundles/models';
import type { ModelInfo } from '../../../shared/bundles/types';
import { writeTinyGguf, tinyGgufBytes } from './gguf-writer';
import { loadTextModel, PromptTooLongError, type GetLlama, type LoadedTextModel } from './llama';

const CHATML =
  '{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}';
const info = (): ModelInfo => ({
  role: 'text',
  format: 'gguf',
  file: 'model.gguf',
  family: 'tiny-llama',
  quantization: 'F32',
  contextLength: 256,
  embeddingDimension: null,
  licence: 'Apache-2.0',
});
const SCHEMA = { type: 'object', properties: { level: { enum: ['low', 'high'] } }, required: ['level'] };
const PROMPT = 'the level is';

/** Seal `gguf` as a model bundle, install it, and return it as the verified model. */
async function installModel(work: string, name: string, gguf: Buffer): Promise<VerifiedModel> {
  const repo = makeRepo();
  const fx = makeStore({ dataDir: join(work, `data-${name}`), root: repo.root });
  const out = join(work, name);
  repo.build(out, { name, kind: 'model', version: '1.0.0', model: info() }, { 'model.gguf': gguf });
  await fx.store.install(dirReader(out));
  const [m] = verifiedModels(fx.store, 'text');
  return m!;
}

let work: string;
let vm: VerifiedModel;
let cpu: LoadedTextModel;
const progress: number[] = [];

beforeAll(async () => {
  work = tempDir('maestro-llama-');
  const path = join(work, 'tiny.gguf');
  writeTinyGguf(path, { seed: 7 });
  vm = await installModel(work, 'model.tiny-text', readFileSync(path));
  cpu = await loadTextModel(vm, { gpu: false, contextSize: 256, onProgress: (p) => progress.push(p) });
});

afterAll(async () => {
  await cpu?.model.close();
});

describe('tiny GGUF writer', () => {
  it('is deterministic given the seed, ~0.5 MB, GGUF v3', () => {
    const a = tinyGgufBytes({ seed: 3 });
    expect(a.bytes.equals(tinyGgufBytes({ seed: 3 }).bytes)).toBe(true);
    expect(a.bytes.equals(tinyGgufBytes({ seed: 4 }).bytes)).toBe(false);
    expect(a.bytes.subarray(0, 4).toString('ascii')).toBe('GGUF');
    expect(a.bytes.readUInt32LE(4)).toBe(3);
    expect(a.bytes.length).toBeGreaterThan(400_000);
    expect(a.bytes.length).toBeLessThan(600_000);
    expect(a.vocabSize).toBeGreaterThan(259);
  });
});

describe('llama text model (node-llama-cpp, tiny GGUF from a verified bundle)', () => {
  it('loads with progress and reports its slot; counts tokens', async () => {
    expect(cpu.status).toMatchObject({
      arm: 'model',
      id: 'model.tiny-text@1.0.0',
      state: 'ready',
      backend: 'cpu',
      device: null,
      vramBytes: null,
      offloadedLayers: 0,
      fallbackReason: 'GPU disabled by configuration',
      fallbackWhy: { code: 'models.fallback.gpu_disabled' },
      loadProgress: 1,
    });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(cpu.model.id).toBe('model.tiny-text@1.0.0');
    expect(cpu.model.contextSize).toBe(256);
    // Byte tokens for `the` at the start, then the `▁level`, `▁is`, `▁high` word tokens.
    expect(await cpu.model.countTokens('the level is high')).toBe(6);
    expect(await cpu.model.countTokens('{"level":"low"}')).toBeGreaterThan(10);
  });

  it('generates at most maxTokens (stopReason maxTokens), deterministically at temperature 0; the event loop stays free', async () => {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const r = await cpu.model.generate({ prompt: PROMPT, maxTokens: 24, timeoutMs: 30_000, temperature: 0 });
    h.disable();
    const maxDelayMs = h.max / 1e6;
    console.log(
      JSON.stringify({
        name: 'inference.eventloop.maxdelay.test',
        value: Math.round(maxDelayMs * 100) / 100,
        unit: 'ms',
        tokens: r.tokens,
        durationMs: Math.round(r.durationMs * 100) / 100,
        tokensPerSecond: Math.round(r.tokensPerSecond),
      }),
    );
    expect(Number.isFinite(maxDelayMs)).toBe(true);

    expect(r).toMatchObject({ tokens: 24, stopReason: 'maxTokens', model: 'model.tiny-text@1.0.0' });
    // BOS + the prompt's tokens.
    expect(r.promptTokens).toBe(1 + (await cpu.model.countTokens(PROMPT)));
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    expect(cpu.model.status().tokensPerSecond).toBe(r.tokensPerSecond);
    const again = await cpu.model.generate({ prompt: PROMPT, maxTokens: 24, timeoutMs: 30_000, temperature: 0 });
    expect(again.text).toBe(r.text);
    const few = await cpu.model.generate({ prompt: PROMPT, system: 'be brief', maxTokens: 3, timeoutMs: 30_000 });
    expect(few).toMatchObject({ tokens: 3, stopReason: 'maxTokens' });
    expect(few.promptTokens).toBeGreaterThan(4);
    const seeded = await cpu.model.generate({ prompt: PROMPT, maxTokens: 8, timeoutMs: 30_000, temperature: 0.8, seed: 42 });
    expect((await cpu.model.generate({ prompt: PROMPT, maxTokens: 8, timeoutMs: 30_000, temperature: 0.8, seed: 42 })).text).toBe(seeded.text);
  });

  it('stops at the wall-time budget (stopReason timeout), keeping the partial text', async () => {
    const r = await cpu.model.generate({ prompt: PROMPT, maxTokens: 200, timeoutMs: 2 });
    expect(r.stopReason).toBe('timeout');
    expect(r.tokens).toBeLessThan(200);
    expect(typeof r.text).toBe('string');
    expect(r.durationMs).toBeLessThan(2000);
  });

  it('stops on abort (stopReason abort), before or during generation', async () => {
    const pre = new AbortController();
    pre.abort();
    expect(await cpu.model.generate({ prompt: PROMPT, maxTokens: 50, timeoutMs: 30_000, signal: pre.signal })).toMatchObject({
      stopReason: 'abort',
      tokens: 0,
      text: '',
    });

    const ac = new AbortController();
    const pending = cpu.model.generate({ prompt: PROMPT, maxTokens: 200, timeoutMs: 30_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 3);
    const r = await pending;
    expect(r.stopReason).toBe('abort');
    expect(r.tokens).toBeLessThan(200);
  });

  it('JSON-Schema-constrained output parses and validates against the schema', async () => {
    const r = await cpu.model.generate({ prompt: 'level?', maxTokens: 64, timeoutMs: 30_000, jsonSchema: SCHEMA, temperature: 0 });
    expect(r.stopReason).toBe('eos');
    expect(r.json).toEqual(JSON.parse(r.text));
    const validate = new Ajv().compile(SCHEMA);
    expect(validate(r.json)).toBe(true);
    // Cut short by the budget: no json.
    const cut = await cpu.model.generate({ prompt: 'level?', maxTokens: 3, timeoutMs: 30_000, jsonSchema: SCHEMA });
    expect(cut).toMatchObject({ stopReason: 'maxTokens', tokens: 3 });
    expect(cut.json).toBeUndefined();
  });

  it('refuses a prompt the context cannot hold instead of cutting it', async () => {
    await expect(cpu.model.generate({ prompt: 'the '.repeat(300), maxTokens: 4, timeoutMs: 30_000 })).rejects.toBeInstanceOf(PromptTooLongError);
  });

  it('the real gpu:auto path picks a backend, and says why when it is the CPU', async () => {
    const r = await loadTextModel(vm, { contextSize: 256 });
    try {
      expect(['cuda', 'vulkan', 'metal', 'cpu']).toContain(r.status.backend);
      if (r.status.backend === 'cpu') expect(r.status.fallbackReason).toMatch(/GPU/);
      else expect(r.status.device).toBeTruthy();
      expect((await r.model.generate({ prompt: PROMPT, maxTokens: 4, timeoutMs: 30_000 })).tokens).toBe(4);
    } finally {
      await r.model.close();
    }
  });

  it('falls back to the CPU when the GPU backend fails to initialise', async () => {
    const calls: LlamaOptions['gpu'][] = [];
    const failing: GetLlama = async (o) => {
      calls.push(o.gpu);
      if (o.gpu !== false) throw new Error('CUDA driver version is insufficient for CUDA runtime version');
      expect(o.build).toBe('never');
      return getLlama(o);
    };
    const r = await loadTextModel(vm, { getLlama: failing, contextSize: 256 });
    try {
      expect(calls).toEqual(['auto', false]);
      expect(r.status).toMatchObject({ backend: 'cpu', state: 'ready', offloadedLayers: 0 });
      expect(r.status.fallbackReason).toBe('GPU backend failed to initialise: CUDA driver version is insufficient for CUDA runtime version');
      // The driver's words travel as a param of the code.
      expect(r.status.fallbackWhy).toEqual({
        code: 'models.fallback.gpu_init_failed',
        params: { detail: 'CUDA driver version is insufficient for CUDA runtime version' },
      });
      expect((await r.model.generate({ prompt: PROMPT, maxTokens: 4, timeoutMs: 30_000 })).stopReason).toBe('maxTokens');
    } finally {
      await r.model.close();
    }
  });

  it('falls back to the CPU when the model fails to load on the GPU', async () => {
    let disposed = false;
    const fakeGpu = {
      gpu: 'cuda',
      loadModel: () => Promise.reject(new Error('ggml_backend_cuda_buffer_type_alloc_buffer: out of memory')),
      dispose: () => {
        disposed = true;
        return Promise.resolve();
      },
    } as unknown as Llama;
    const r = await loadTextModel(vm, { getLlama: (o) => (o.gpu === false ? getLlama(o) : Promise.resolve(fakeGpu)), contextSize: 256 });
    try {
      expect(disposed).toBe(true);
      expect(r.status).toMatchObject({ backend: 'cpu', state: 'ready' });
      expect(r.status.fallbackReason).toBe('model failed to load on cuda: ggml_backend_cuda_buffer_type_alloc_buffer: out of memory');
      expect(r.status.fallbackWhy).toEqual({
        code: 'models.fallback.gpu_load_failed',
        params: { backend: 'cuda', detail: 'ggml_backend_cuda_buffer_type_alloc_buffer: out of memory' },
      });
      expect((await r.model.generate({ prompt: PROMPT, maxTokens: 4, timeoutMs: 30_000 })).tokens).toBe(4);
    } finally {
      await r.model.close();
    }
  });

  it('loads as a CPU model when no layer fits in VRAM', async () => {
    const cpuLlama = await getLlama({ gpu: false, build: 'never' });
    let disposed = false;
    const noVram = {
      gpu: 'vulkan',
      cpuMathCores: cpuLlama.cpuMathCores,
      loadModel: (o: Parameters<Llama['loadModel']>[0]) => cpuLlama.loadModel({ ...o, gpuLayers: 0 }),
      dispose: () => {
        disposed = true;
        return Promise.resolve();
      },
    } as unknown as Llama;
    const r = await loadTextModel(vm, { getLlama: (o) => (o.gpu === false ? getLlama(o) : Promise.resolve(noVram)), contextSize: 256 });
    try {
      expect(disposed).toBe(true);
      expect(r.status).toMatchObject({
        backend: 'cpu',
        offloadedLayers: 0,
        fallbackReason: 'no layers fit in free VRAM on vulkan',
        fallbackWhy: { code: 'models.fallback.no_vram_layers', params: { backend: 'vulkan' } },
      });
    } finally {
      await r.model.close();
      await cpuLlama.dispose();
    }
  });

  it('queues calls beyond its sequences; close() aborts what is in flight and refuses more', async () => {
    const r = await loadTextModel(vm, { gpu: false, contextSize: 256, sequences: 1 });
    const a = r.model.generate({ prompt: PROMPT, maxTokens: 6, timeoutMs: 30_000 });
    const b = r.model.generate({ prompt: PROMPT, maxTokens: 6, timeoutMs: 30_000 });
    expect((await Promise.all([a, b])).map((x) => x.tokens)).toEqual([6, 6]);
    const long = r.model.generate({ prompt: PROMPT, maxTokens: 200, timeoutMs: 30_000 });
    const queued = r.model.generate({ prompt: PROMPT, maxTokens: 200, timeoutMs: 30_000 });
    await new Promise((res) => setTimeout(res, 2));
    await r.model.close();
    expect((await long).stopReason).toBe('abort');
    expect((await queued).stopReason).toBe('abort');
    await expect(r.model.generate({ prompt: PROMPT, maxTokens: 1, timeoutMs: 1000 })).rejects.toThrow(/closed/);
  });

  it('renders the chat template a model carries (ChatML here) and still keeps the budgets', async () => {
    const m = await installModel(work, 'model.tiny-chat', tinyGgufBytes({ seed: 7, chatTemplate: CHATML }).bytes);
    const r = await loadTextModel(m, { gpu: false, contextSize: 256 });
    try {
      const g = await r.model.generate({ prompt: PROMPT, system: 'be brief', maxTokens: 5, timeoutMs: 30_000 });
      expect(g.tokens).toBeLessThanOrEqual(5);
      // The template's <|im_start|>/<|im_end|> markup is part of the prompt.
      expect(g.promptTokens).toBeGreaterThan(30);
      const j = await r.model.generate({ prompt: 'level?', maxTokens: 64, timeoutMs: 30_000, jsonSchema: SCHEMA });
      expect(j.stopReason).toBe('eos');
      expect(['low', 'high']).toContain((j.json as { level: string }).level);
    } finally {
      await r.model.close();
    }
  });
});
