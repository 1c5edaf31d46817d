// The text model arm: a GGUF model from a verified bundle, run in-process by node-llama-cpp.
//
// - Loading: node-llama-cpp's prebuilt binaries only (`build: 'never'`: nothing is downloaded or
//   compiled at run time). With gpu 'auto' its best GPU backend (cuda, vulkan, metal) is tried; when
//   that fails to initialise, the model (or its context) fails to load on it, or no layer fits in
//   VRAM, everything is disposed and loaded again with `gpu: false`, and status.fallbackReason (and
//   its code, fallbackWhy) says why (GPU_DISABLED and NO_GPU are the two reasons that are no failure). node-llama-cpp
//   and its binary are imported only when a model is loaded (the import alone takes ~0.3 s).
// - Generation: one LlamaContext per model, with a small pool of context sequences (default 1);
//   each call takes a sequence, clears it (no state leaks between requests), and samples with its
//   own loop over `sequence.evaluate()` (node-llama-cpp's lowest-level generator). Not
//   LlamaCompletion: its maxTokens is not a hard cap (a token ending in an incomplete UTF-8
//   sequence skips the check: maxTokens 5 gave 6 tokens on the tiny model) and such tokens are
//   withheld from onToken and dropped from the response, so neither the count nor the partial text
//   was exact. Not LlamaChatSession: chat history, segment and function-call detection per token
//   are work a stateless prompt → completion does not need. The loop keeps what matters from
//   LlamaCompletion: the BOS token, EOG tokens, stop triggers (the chat template's and the
//   grammar's), its repeat-penalty defaults, the grammar evaluation state. A model whose GGUF
//   carries a chat template gets its prompt rendered by node-llama-cpp's chat wrapper for that
//   template; models without one (base models, the tiny test model) get `system\n\nprompt` as
//   plain text. Further calls wait for a free sequence (the wait counts against their timeoutMs).
// - Budgets: maxTokens (capped to what the context holds; context shift is off, so the prompt is
//   never silently cut: a prompt that does not fit is an error), timeoutMs (stopReason 'timeout',
//   partial text kept; answered at once even mid prompt evaluation, the loop hands its sequence back
//   at its next token), signal ('abort', likewise), jsonSchema (a grammar from
//   llama.createGrammarForJsonSchema, cached per schema; result.json is the parsed output, absent
//   when the budget cut it short). temperature defaults to 0 (greedy, deterministic); seed applies
//   when temperature > 0.
// - Event loop: node-llama-cpp evaluates and samples in native worker threads; only the per-token
//   bookkeeping (detokenising, stop-trigger checks, grammar state) runs on the main thread. Measured
//   on tiny models (llama.test.ts; bench/inference.bench.ts, 1,400–1,500 tokens/s; 2-core machine,
//   CPU), the event loop's max delay during generation is 1–4 ms, the same as the machine's idle
//   timer jitter and far under 50 ms, so generation stays in-process (no worker thread).
// - Threads: on the CPU backend, evaluation uses one thread fewer than the cores (at least 1).
//   ggml's threads spin-wait at each barrier, so oversubscribed cores (the UI, other work) slow a
//   generation by orders of magnitude (measured: 20 tokens of the tiny model in 19 ms with 1
//   thread, 2 s with 2 and 10 s with 4 on a busy 2-core machine).
import { availableParallelism } from 'node:os';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaModel, LlamaOptions, LlamaText, Token } from 'node-llama-cpp';
import type { VerifiedModel } from './ports';
import type { InferenceBackend, ModelSlotStatus } from '../../../shared/memory/types';
import type { GenerateRequest, GenerateResult, StopReason, TextModel } from './types';
import { silentLogger, type Logger } from '../../platform/util/logger';
import { GPU_DISABLED, NO_GPU, gpuInitFailed, gpuLoadFailed, noVramLayers, type FallbackReason } from './reasons';

export type GetLlama = (options: LlamaOptions) => Promise<Llama>;

export interface LoadTextModelOptions {
  /** 'auto' (default): the best GPU backend, falling back to the CPU; false: CPU only. */
  gpu?: 'auto' | false;
  /** Load progress, 0..1. */
  onProgress?: (p: number) => void;
  /** node-llama-cpp's getLlama (injectable for tests). */
  getLlama?: GetLlama;
  logger?: Logger;
  /** Context window per sequence in tokens (default: the bundle's contextLength, at most 4096). */
  contextSize?: number;
  /** Generations that run at once, one context sequence each (default 1); more calls queue. */
  sequences?: number;
  /** Evaluation threads (default on the CPU: one fewer than the cores, at least 1; on a GPU: node-llama-cpp's). */
  threads?: number;
}

export interface LlamaTextModel extends TextModel {
  /** A copy of the slot status (tokensPerSecond is the last generation's rate). */
  status(): ModelSlotStatus;
  /** The context window per sequence, in tokens. */
  readonly contextSize: number;
}

export interface LoadedTextModel {
  model: LlamaTextModel;
  status: ModelSlotStatus;
}

/** Thrown when a prompt (with at least one token to generate) does not fit the context window. */
export class PromptTooLongError extends Error {
  readonly code = 'INFERENCE_PROMPT_TOO_LONG';
  constructor(
    readonly promptTokens: number,
    readonly contextSize: number,
  ) {
    super(`the prompt is ${promptTokens} tokens; the context window holds ${contextSize} (with room to generate)`);
    this.name = 'PromptTooLongError';
  }
}

export const DEFAULT_CONTEXT_CAP = 4096;
const GRAMMAR_CACHE = 32;

const firstLine = (e: unknown): string =>
  String(e instanceof Error ? e.message : e)
    .split('\n')[0]!
    .slice(0, 300);

type NodeLlamaCpp = typeof import('node-llama-cpp');

type Loaded = { llama: Llama; model: LlamaModel; context: LlamaContext };

/**
 * The GPU attempt: a GPU backend, then the model on it. null (with the reason) when there is no GPU
 * backend, it fails, or no layer fits in VRAM; a CPU backend node-llama-cpp chose instead is used.
 */
async function loadOnGpu(
  get: GetLlama,
  common: LlamaOptions,
  m: VerifiedModel,
  opts: LoadTextModelOptions,
  onLoadProgress: (p: number) => void,
): Promise<{ loaded: Loaded | null; reason: FallbackReason | null }> {
  let reason: FallbackReason | null = null;
  let loaded: Loaded | null = null;
  let llama: Llama | null = null;
  try {
    llama = await get({ ...common, gpu: 'auto' });
  } catch (e) {
    reason = gpuInitFailed(firstLine(e));
  }
  if (llama && llama.gpu === false) {
    // node-llama-cpp found no usable GPU backend and gave a CPU one: use it.
    reason = NO_GPU;
    try {
      loaded = await loadOn(llama, m, opts, onLoadProgress);
    } catch (e) {
      await llama.dispose().catch(() => undefined);
      throw e;
    }
  } else if (llama) {
    try {
      loaded = await loadOn(llama, m, opts, onLoadProgress);
      if (loaded.model.gpuLayers === 0) {
        // Nothing fits in VRAM: it would all run on the CPU anyway, so load it as a CPU model.
        reason = noVramLayers(String(llama.gpu));
        await loaded.model.dispose().catch(() => undefined);
        await llama.dispose().catch(() => undefined);
        loaded = null;
      }
    } catch (e) {
      reason = gpuLoadFailed(String(llama.gpu), firstLine(e));
      await llama.dispose().catch(() => undefined);
    }
  }
  return { loaded, reason };
}

/** Load a verified GGUF text model; see the top of this file for the GPU → CPU fallback. */
export async function loadTextModel(m: VerifiedModel, opts: LoadTextModelOptions = {}): Promise<LoadedTextModel> {
  const nlc: NodeLlamaCpp = await import('node-llama-cpp');
  const get: GetLlama = opts.getLlama ?? nlc.getLlama;
  const logger = opts.logger ?? silentLogger;
  const id = `${m.bundle}@${m.version}`;
  const common: LlamaOptions = {
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    logLevel: nlc.LlamaLogLevel.warn,
    logger: (level, message) => {
      const text = message.trim();
      if (!text) return;
      if (level === nlc.LlamaLogLevel.error || level === nlc.LlamaLogLevel.fatal) logger.error('llama.cpp', { model: id, message: text });
      else logger.warn('llama.cpp', { model: id, message: text });
    },
  };
  let progress = 0;
  const onLoadProgress = (p: number) => {
    // Each attempt reports from 0 again; progress only moves forward.
    if (p <= progress) return;
    progress = p;
    opts.onProgress?.(p);
  };

  let reason: FallbackReason | null = null;
  let loaded: { llama: Llama; model: LlamaModel; context: LlamaContext } | null = null;
  if ((opts.gpu ?? 'auto') === 'auto') {
    ({ loaded, reason } = await loadOnGpu(get, common, m, opts, onLoadProgress));
    if (reason) logger.warn('text model: GPU not used', { code: 'MODEL_GPU_FALLBACK', model: id, reason: reason.fallbackReason, why: reason.fallbackWhy });
  } else {
    reason = GPU_DISABLED;
  }
  if (!loaded) {
    const llama = await get({ ...common, gpu: false });
    try {
      loaded = await loadOn(llama, m, opts, onLoadProgress);
    } catch (e) {
      await llama.dispose().catch(() => undefined);
      throw e;
    }
  }

  const { llama, model, context } = loaded;
  const gpu = llama.gpu;
  const backend: InferenceBackend = gpu === false ? 'cpu' : gpu;
  let device: string | null = null;
  let vramBytes: number | null = null;
  if (gpu !== false) {
    device = (await llama.getGpuDeviceNames().catch(() => [] as string[])).join(', ') || null;
    // Device-wide VRAM in use once the model and its context are loaded.
    vramBytes = (await llama.getVramState().catch(() => null))?.used ?? null;
  }
  let status: ModelSlotStatus = {
    arm: 'model',
    id,
    state: 'ready',
    backend,
    device,
    vramBytes,
    offloadedLayers: model.gpuLayers,
    tokensPerSecond: null,
    fallbackReason: reason?.fallbackReason ?? null,
    fallbackWhy: reason?.fallbackWhy ?? null,
    loadProgress: 1,
  };
  opts.onProgress?.(1);
  logger.info('text model loaded', { model: id, backend, device, offloadedLayers: model.gpuLayers, contextSize: context.contextSize });
  const textModel = new NodeLlamaTextModel(
    nlc,
    id,
    llama,
    model,
    context,
    (tps) => {
      status = { ...status, tokensPerSecond: tps };
    },
    () => ({ ...status }),
  );
  return { model: textModel, status: { ...status } };
}

async function loadOn(
  llama: Llama,
  m: VerifiedModel,
  opts: LoadTextModelOptions,
  onLoadProgress: (p: number) => void,
): Promise<{ llama: Llama; model: LlamaModel; context: LlamaContext }> {
  const model = await llama.loadModel({ modelPath: m.weightsPath, gpuLayers: llama.gpu === false ? 0 : 'auto', onLoadProgress });
  try {
    const contextSize = opts.contextSize ?? Math.min(m.info.contextLength || model.trainContextSize, model.trainContextSize, DEFAULT_CONTEXT_CAP);
    const threads = opts.threads ?? (llama.gpu === false ? Math.max(1, Math.min(llama.cpuMathCores, availableParallelism() - 1)) : undefined);
    const context = await model.createContext({ contextSize, sequences: opts.sequences ?? 1, threads });
    return { llama, model, context };
  } catch (e) {
    await model.dispose().catch(() => undefined);
    throw e;
  }
}

/** Sequences of the context, handed out one per generation; waiters are served in order. */
class SequencePool {
  private free: LlamaContextSequence[] = [];
  private waiters: { resolve: (s: LlamaContextSequence | null) => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(context: LlamaContext) {
    while (context.sequencesLeft > 0) this.free.push(context.getSequence());
  }

  acquire(signal: AbortSignal): Promise<LlamaContextSequence | null> {
    if (signal.aborted) return Promise.resolve(null);
    const s = this.free.shift();
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => {
      const w = {
        resolve,
        signal,
        onAbort: () => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(null);
        },
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  release(s: LlamaContextSequence): void {
    const w = this.waiters.shift();
    if (!w) {
      this.free.push(s);
      return;
    }
    w.signal.removeEventListener('abort', w.onAbort);
    w.resolve(s);
  }
}

/** What one generation's evaluation loop produced so far. */
interface LoopState {
  out: Token[];
  stop: StopReason | null;
  /** The stop trigger text that ended the generation (cut from the text). */
  trigger: string | null;
}

class NodeLlamaTextModel implements LlamaTextModel {
  readonly contextSize: number;
  private readonly pool: SequencePool;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly inflight = new Set<AbortController>();
  private readonly loops = new Set<Promise<void>>();
  private readonly chat: { render(system: string | undefined, prompt: string): { input: LlamaText; stopTriggers: LlamaText[] } } | null = null;
  private readonly bos: Token | null;
  private closed = false;

  constructor(
    private readonly nlc: NodeLlamaCpp,
    readonly id: string,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    context: LlamaContext,
    private readonly onRate: (tps: number) => void,
    readonly status: () => ModelSlotStatus,
  ) {
    this.contextSize = context.contextSize;
    this.pool = new SequencePool(context);
    this.bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
    const template = model.fileInfo.metadata?.tokenizer?.chat_template;
    if (typeof template === 'string' && template.length > 0) {
      const wrapper = nlc.resolveChatWrapper(model);
      this.chat = {
        render: (system, prompt) => {
          const state = wrapper.generateContextState({
            chatHistory: [...(system ? [{ type: 'system' as const, text: system }] : []), { type: 'user', text: prompt }, { type: 'model', response: [] }],
          });
          return { input: state.contextText, stopTriggers: state.stopGenerationTriggers };
        },
      };
    }
  }

  countTokens(text: string): Promise<number> {
    this.assertOpen();
    // Tokenised as a prompt is (without the BOS token).
    return Promise.resolve(this.model.tokenize(text, false, this.bos !== null ? 'trimLeadingSpace' : undefined).length);
  }

  /** The prompt as evaluated (BOS first when the model wants it), and the chat template's stop triggers. */
  private promptTokens(req: GenerateRequest): { tokens: Token[]; stopTriggers: LlamaText[] } {
    let tokens: Token[];
    let stopTriggers: LlamaText[] = [];
    if (this.chat) {
      const r = this.chat.render(req.system, req.prompt);
      tokens = r.input.tokenize(this.model.tokenizer, 'trimLeadingSpace');
      stopTriggers = r.stopTriggers;
      // Templates usually render the BOS token themselves.
      if (this.bos !== null && tokens[0] === this.bos) tokens.shift();
    } else {
      const text = req.system ? `${req.system}\n\n${req.prompt}` : req.prompt;
      tokens = this.model.tokenize(text, false, this.bos !== null ? 'trimLeadingSpace' : undefined);
    }
    return { tokens: this.bos !== null ? [this.bos, ...tokens] : tokens, stopTriggers };
  }

  private grammarFor(schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (!g) {
      g = this.llama.createGrammarForJsonSchema(schema as Parameters<Llama['createGrammarForJsonSchema']>[0]);
      g.catch(() => this.grammars.delete(key));
      if (this.grammars.size >= GRAMMAR_CACHE) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(key, g);
    }
    return g;
  }

  /** Stop triggers as plain text (those made of builtin special tokens are EOG tokens, caught as such). */
  private triggerTexts(triggers: readonly (LlamaText | string | readonly (string | Token)[])[]): string[] {
    const out: string[] = [];
    for (const t of triggers) {
      if (typeof t === 'string') out.push(t);
      else if (t instanceof this.nlc.LlamaText) {
        if (t.values.every((v) => typeof v === 'string' || v instanceof this.nlc.SpecialTokensText))
          out.push(t.values.map((v) => (typeof v === 'string' ? v : (v as { value: string }).value)).join(''));
      } else if (t.every((v) => typeof v === 'string')) out.push(t.join(''));
    }
    return out.filter((x) => x.length > 0);
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    this.assertOpen();
    const started = performance.now();
    const ctl = new AbortController();
    let interrupted: 'timeout' | 'abort' | null = null;
    const onAbort = () => {
      interrupted ??= 'abort';
      ctl.abort();
    };
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => {
        interrupted ??= 'timeout';
        ctl.abort();
      },
      Math.max(0, req.timeoutMs),
    );
    this.inflight.add(ctl);
    try {
      return await this.run(req, ctl.signal, () => interrupted, started);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      this.inflight.delete(ctl);
    }
  }

  private async run(req: GenerateRequest, signal: AbortSignal, interrupted: () => 'timeout' | 'abort' | null, started: number): Promise<GenerateResult> {
    const { tokens: input, stopTriggers } = this.promptTokens(req);
    const promptTokens = input.length;
    if (promptTokens >= this.contextSize) throw new PromptTooLongError(promptTokens, this.contextSize);
    const grammar = req.jsonSchema ? await this.grammarFor(req.jsonSchema) : undefined;
    const triggers = this.triggerTexts([...stopTriggers, ...(grammar?.stopGenerationTriggers ?? [])]);
    const maxTokens = Math.min(Math.max(0, Math.floor(req.maxTokens)), this.contextSize - promptTokens);
    const state: LoopState = { out: [], stop: maxTokens === 0 ? 'maxTokens' : null, trigger: null };
    let out: Token[] = [];

    if (maxTokens > 0 && !signal.aborted) {
      const sequence = await this.pool.acquire(signal);
      if (sequence) {
        let failure: { e: unknown } | null = null;
        const loop = this.loop(sequence, input, req, grammar, triggers, maxTokens, signal, state)
          .catch((e: unknown) => {
            failure = { e };
          })
          .finally(() => this.pool.release(sequence));
        this.loops.add(loop);
        void loop.finally(() => this.loops.delete(loop));
        // A timeout or an abort answers at once, even in the middle of a long prompt evaluation; the
        // loop notices at its next token and hands the sequence back then.
        let onAbort = () => {};
        const aborted = new Promise<void>((resolve) => {
          onAbort = resolve;
          if (signal.aborted) resolve();
          else signal.addEventListener('abort', onAbort, { once: true });
        });
        await Promise.race([loop, aborted]);
        signal.removeEventListener('abort', onAbort);
        out = state.out.slice();
        if (failure && !interrupted()) throw (failure as { e: unknown }).e;
      }
    }

    const stopReason: StopReason = state.stop ?? interrupted() ?? 'abort';
    let text = this.model.detokenize(out);
    if (state.trigger !== null) {
      const at = text.lastIndexOf(state.trigger);
      if (at >= 0) text = text.slice(0, at);
    }
    if (grammar?.trimWhitespaceSuffix) text = text.trimEnd();
    // A multi-byte character cut by the budget detokenises to U+FFFD: not part of the answer.
    text = text.replace(/\uFFFD+$/, '');
    const durationMs = performance.now() - started;
    const tokens = out.length;
    const tokensPerSecond = durationMs > 0 ? (tokens * 1000) / durationMs : 0;
    if (tokens > 0) this.onRate(tokensPerSecond);
    const result: GenerateResult = { text, tokens, promptTokens, stopReason, model: this.id, durationMs, tokensPerSecond };
    if (req.jsonSchema && stopReason === 'eos') {
      try {
        result.json = JSON.parse(text) as unknown;
      } catch {
        // Not complete JSON: no json.
      }
    }
    return result;
  }

  /** Evaluate the prompt and sample up to maxTokens tokens into state.out; stops at EOG, a stop trigger or the signal. */
  private async loop(
    sequence: LlamaContextSequence,
    input: Token[],
    req: GenerateRequest,
    grammar: LlamaGrammar | undefined,
    triggers: string[],
    maxTokens: number,
    signal: AbortSignal,
    state: LoopState,
  ): Promise<void> {
    await sequence.clearHistory();
    if (signal.aborted) return;
    const temperature = req.temperature ?? 0;
    const nl = this.model.tokens.nl;
    const window = Math.max(8, ...triggers.map((t) => t.length + 2));
    const it = sequence.evaluate(input, {
      temperature,
      ...(temperature > 0 && req.seed !== undefined ? { seed: req.seed } : {}),
      ...(grammar ? { grammarEvaluationState: new this.nlc.LlamaGrammarEvaluationState({ model: this.model, grammar }) } : {}),
      // node-llama-cpp's LlamaCompletion defaults: the last 64 tokens but newlines, penalty 1.1.
      repeatPenalty: { punishTokens: () => state.out.slice(-64).filter((t) => t !== nl), maxPunishTokens: 64, penalty: 1.1 },
      yieldEogToken: true,
    });
    for await (const token of it) {
      if (signal.aborted) return;
      if (this.model.isEogToken(token)) {
        state.stop = 'eos';
        return;
      }
      state.out.push(token);
      if (triggers.length > 0) {
        const tail = this.model.detokenize(state.out.slice(-window), true);
        const hit = triggers.find((t) => tail.includes(t));
        if (hit !== undefined) {
          state.stop = 'eos';
          state.trigger = hit;
          return;
        }
      }
      if (state.out.length >= maxTokens) {
        state.stop = 'maxTokens';
        return;
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`text model ${this.id} is closed`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ctl of this.inflight) ctl.abort();
    await Promise.all([...this.loops]);
    await this.model.dispose().catch(() => undefined);
    await this.llama.dispose().catch(() => undefined);
  }
}
