// Embedding throughput: texts per second of the tiny ONNX embedder (384 dimensions, graph pooling,
// onnxruntime-node on the CPU) and of the hashed n-gram fallback, over 2,000 varied inspection
// notes (40–300 characters; en/sv/fr/de/es). Best of ROUNDS rounds (other processes on the machine
// only slow a round down).
// References in the same run:
// - ONNX: bare session.run over the same batches, tokenised, sorted, padded and turned into
//   tensors beforehand (no tokenising, no pooling or normalising in JS, no reordering): what the
//   embedder cannot be faster than. The gap is tokenizers.js (the tiny vocabulary splits most words
//   into characters, so a note is ~80 tokens) and the per-batch JS work.
// - hashed n-gram: NFKC + lowercase + the word scan alone, no hashing or vector: the floor of
//   touching the text the way the embedder does.
// - event loop: the main loop's max delay while the ONNX embedder embeds the 2,000 notes, against
//   the max delay over an idle period as long (timer jitter of the machine).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadOnnxEmbedder } from '../src/main/features/inference/embedder';
import { hashedNgramEmbedder } from '../src/main/features/inference/hashed-ngram';
import { tinyEmbeddingModelInfo, writeTinyEmbeddingModel } from '../src/main/features/inference/onnx-writer';
import type { VerifiedModel } from '../src/main/features/bundles/models';
import { emit, size } from './figure';
import { lcg31 } from '../src/platform/prng';

const TEXTS = size(2000, 64);
const DIMENSION = 384;
const CONTEXT = 256;
const BATCH = 32;
const ROUNDS = size(5, 1);

function notes(): string[] {
  const rnd = lcg31(7);
  const parts = [
    'Water leak in the north stairwell',
    'Crack in the concrete wall on floor 3',
    'Vattenläcka i trapphuset, fukt i källaren',
    'Fissure dans le mur de béton près de la porte',
    'Riss in der Betonwand im dritten Stock',
    'Grieta en la pared de hormigón del sótano',
    'Fire door blocked by pallets near loading bay',
    'Frozen samples logged at -21 °C, chain intact',
    'Repair estimate pending supplier quote',
    'Photos attached; inspector to revisit next week',
  ];
  return Array.from({ length: TEXTS }, (_, i) => {
    const n = 1 + Math.floor(rnd() * 6);
    return Array.from({ length: n }, () => parts[Math.floor(rnd() * parts.length)]!)
      .join('. ')
      .concat(` (note ${i}).`);
  });
}

async function best(fn: () => Promise<number> | number): Promise<number> {
  await fn(); // warm-up
  let top = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    const n = await fn();
    top = Math.max(top, n / ((performance.now() - t) / 1000));
  }
  return top;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-bench-embed-'));
  const m = writeTinyEmbeddingModel(dir, { dimension: DIMENSION });
  const info = tinyEmbeddingModelInfo({ dimension: DIMENSION, contextLength: CONTEXT });
  const model: VerifiedModel = {
    bundle: 'model.tiny-embed',
    version: '1.0.0',
    info,
    weightsPath: m.modelPath,
    weightsSha256: '',
    files: { 'model.onnx': m.modelPath, 'tokenizer.json': m.tokenizerPath },
  };
  const texts = notes();
  const chars = texts.reduce((a, t) => a + t.length, 0);

  // ONNX embedder, CPU only (the figure is the CPU's; a GPU provider would be tried first otherwise).
  const { embedder } = await loadOnnxEmbedder(model, { executionProviders: ['cpu'], maxBatch: BATCH });
  const onnx = await best(async () => (await embedder.embed(texts)).length);
  const tokensPerSecond = embedder.status().tokensPerSecond;

  // Reference: the same batches, ready-made tensors, bare session.run.
  const session = await ort.InferenceSession.create(m.modelPath, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const tok = new Tokenizer(JSON.parse(readFileSync(m.tokenizerPath, 'utf8')) as object, {});
  const ids = texts.map((t) => tok.encode(t).ids.slice(0, CONTEXT));
  const order = ids.map((_, i) => i).sort((a, b) => ids[b]!.length - ids[a]!.length);
  const feeds: Record<string, ort.Tensor>[] = [];
  for (let at = 0; at < order.length; at += BATCH) {
    const batch = order.slice(at, at + BATCH).map((i) => ids[i]!);
    const S = batch[0]!.length;
    const input = new BigInt64Array(batch.length * S);
    const mask = new BigInt64Array(batch.length * S);
    batch.forEach((b, r) => b.forEach((id, s) => ((input[r * S + s] = BigInt(id)), (mask[r * S + s] = 1n))));
    feeds.push({ input_ids: new ort.Tensor('int64', input, [batch.length, S]), attention_mask: new ort.Tensor('int64', mask, [batch.length, S]) });
  }
  const bare = await best(async () => {
    for (const f of feeds) await session.run(f);
    return texts.length;
  });
  const meanTokens = ids.reduce((a, x) => a + x.length, 0) / ids.length;
  emit({
    name: 'embedding.onnx.throughput',
    value: onnx,
    unit: 'texts/s',
    ref: bare,
    refName: `bare session.run on pre-tokenised, pre-padded batches of ${BATCH} (tiny ONNX, ${DIMENSION} dims, ${meanTokens.toFixed(0)} tokens/text, ${(chars / TEXTS).toFixed(0)} chars/text; embedder ${tokensPerSecond ?? '?'} tokens/s)`,
    target: null,
  });

  // Event loop while embedding, against an idle period as long.
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  await embedder.embed(texts);
  const busyMs = performance.now() - t0;
  h.disable();
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await new Promise((r) => setTimeout(r, Math.max(50, busyMs)));
  idle.disable();
  emit({
    name: 'embedding.onnx.eventLoopMaxDelay',
    value: h.max / 1e6,
    unit: 'ms',
    ref: idle.max / 1e6,
    refName: `max event-loop delay idle for as long (${busyMs.toFixed(0)} ms); embedding ${TEXTS} notes`,
    target: null,
  });
  await embedder.close();
  await session.release();

  // Hashed n-gram fallback.
  const hashed = hashedNgramEmbedder(DIMENSION);
  const ngram = await best(async () => (await hashed.embed(texts)).length);
  const word = /[\p{L}\p{M}\p{N}]+/gu;
  let sink = 0;
  const scan = await best(() => {
    for (const t of texts) for (const w of t.normalize('NFKC').toLowerCase().matchAll(word)) sink += w[0].length;
    return texts.length;
  });
  emit({
    name: 'embedding.hashed.throughput',
    value: ngram,
    unit: 'texts/s',
    ref: scan,
    refName: 'NFKC + lowercase + word scan alone (no hashing, no vector)',
    target: '>= 20000',
  });
  if (sink < 0) throw new Error('unreachable: keeps the results alive');
  rmSync(dir, { recursive: true, force: true });
}
