// Text generation through Maestro's TextModel (src/main/features/inference/llama.ts) on a tiny random-weight
// llama GGUF written here (embedding 256, 4 blocks, 4 heads, feed-forward 512, F32, ~10 MB), CPU
// backend, greedy (temperature 0), context 512, the same evaluation threads on both sides.
// Figures:
// - inference.tps.ratio: tokens/s of TextModel.generate (GENERATED tokens after a short prompt,
//   wall time of the whole call: taking a sequence, clearing it, tokenising, prompt evaluation,
//   sampling, detokenising) ÷ the same through bare node-llama-cpp: the same model file, prompt
//   tokens, context settings, sampling options (the repeat penalty included) and token count, in a
//   bare loop over sequence.evaluate() (the least node-llama-cpp itself does for it). Best of ROUNDS
//   rounds each, interleaved (other processes on the machine only slow a round down).
// - inference.eventloop.maxdelay: the main event loop's max delay (monitorEventLoopDelay, 1 ms
//   resolution) over all the TextModel rounds, against the max delay over an idle period as long
//   (timer jitter of the machine).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { getLlama, type Token } from 'node-llama-cpp';
import { writeTinyGguf } from '../src/main/features/inference/gguf-writer';
import { loadTextModel } from '../src/main/features/inference/llama';
import type { VerifiedModel } from '../src/main/features/bundles/models';
import { emit, size } from './figure';

const TOKENS = size(200, 8);
const CONTEXT = 512;
const ROUNDS = size(7, 1);
const PROMPT = 'the site report says the level is high and the level is low';

const log = (m: string) => process.stderr.write(`[inference] ${m}\n`);

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-inference-bench-'));
  try {
    const path = join(dir, 'model.gguf');
    const gguf = writeTinyGguf(path, { seed: 11, embedding: 256, blocks: 4, heads: 4, feedForward: 512, contextLength: CONTEXT });
    log(`model: ${(gguf.bytes / 1e6).toFixed(1)} MB, ${gguf.parameters} parameters, vocabulary ${gguf.vocabSize}`);
    const threads = Math.max(1, availableParallelism() - 1);
    const vm: VerifiedModel = {
      bundle: 'model.bench-tiny',
      version: '1.0.0',
      info: {
        role: 'text',
        format: 'gguf',
        file: 'model.gguf',
        family: 'tiny-llama',
        quantization: 'F32',
        contextLength: CONTEXT,
        embeddingDimension: null,
        licence: 'Apache-2.0',
      },
      weightsPath: path,
      weightsSha256: '',
      files: { 'model.gguf': path },
    };

    // Maestro's TextModel.
    const { model: maestro, status } = await loadTextModel(vm, { gpu: false, contextSize: CONTEXT, threads });
    log(`TextModel: backend ${status.backend}, ${threads} thread(s)`);

    // Bare node-llama-cpp, same file and context settings.
    const llama = await getLlama({ gpu: false, build: 'never' });
    const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
    const context = await model.createContext({ contextSize: CONTEXT, sequences: 1, threads });
    const sequence = context.getSequence();
    const bos = model.tokens.bos;
    const input: Token[] = [...(bos !== null ? [bos] : []), ...model.tokenize(PROMPT, false, 'trimLeadingSpace')];
    const nl = model.tokens.nl;
    const bare = async (): Promise<{ tokens: number; ms: number }> => {
      const t0 = performance.now();
      await sequence.clearHistory();
      const out: Token[] = [];
      for await (const token of sequence.evaluate(input, {
        temperature: 0,
        repeatPenalty: { punishTokens: () => out.slice(-64).filter((t) => t !== nl), maxPunishTokens: 64, penalty: 1.1 },
        yieldEogToken: true,
      })) {
        if (model.isEogToken(token)) break;
        out.push(token);
        if (out.length >= TOKENS) break;
      }
      model.detokenize(out);
      return { tokens: out.length, ms: performance.now() - t0 };
    };

    // Warm-up (first evaluations allocate compute buffers).
    await maestro.generate({ prompt: PROMPT, maxTokens: 16, timeoutMs: 60_000, temperature: 0 });
    await bare();

    // A fresh histogram per round: a re-enabled one counts the gap since it was disabled as a delay.
    let maxDelayNs = 0;
    const maestroTps: number[] = [];
    const bareTps: number[] = [];
    let busyMs = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const b = await bare();
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const m = await maestro.generate({ prompt: PROMPT, maxTokens: TOKENS, timeoutMs: 120_000, temperature: 0 });
      h.disable();
      maxDelayNs = Math.max(maxDelayNs, h.max);
      busyMs += m.durationMs;
      if (m.tokens !== b.tokens) throw new Error(`token counts differ: TextModel ${m.tokens}, bare ${b.tokens}`);
      maestroTps.push((m.tokens * 1000) / m.durationMs);
      bareTps.push((b.tokens * 1000) / b.ms);
      log(`  round ${r + 1}: TextModel ${maestroTps[r]!.toFixed(0)} tok/s (${m.stopReason}), bare ${bareTps[r]!.toFixed(0)} tok/s, ${m.tokens} tokens`);
    }
    const idle = monitorEventLoopDelay({ resolution: 1 });
    idle.enable();
    await sleep(busyMs);
    idle.disable();

    const best = Math.max(...maestroTps);
    const ref = Math.max(...bareTps);
    emit({
      name: 'inference.tps.ratio',
      value: best / ref,
      unit: '× bare node-llama-cpp tokens/s',
      ref: 1,
      refName: `bare sequence.evaluate() loop, same model/prompt/context/sampling, ${TOKENS} tokens: TextModel ${best.toFixed(0)} tok/s, bare ${ref.toFixed(0)} tok/s (best of ${ROUNDS} each; tiny GGUF 256×4, CPU, ${threads} thread(s))`,
      target: '>= 0.9',
    });
    emit({
      name: 'inference.eventloop.maxdelay',
      value: maxDelayNs / 1e6,
      unit: 'ms',
      ref: idle.max / 1e6,
      refName: `max event-loop delay idle for as long (${busyMs.toFixed(0)} ms); ${ROUNDS} generations of ${TOKENS} tokens`,
      target: '< 50',
    });

    await maestro.close();
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
