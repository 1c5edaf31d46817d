// The embedding model arm: an ONNX sentence-embedding model from a verified bundle, run by
// onnxruntime-node, tokenised by @huggingface/tokenizers from the bundle's tokenizer.json.
//
// - One InferenceSession per loaded model, reused for every call (close() releases it).
// - Execution providers: the platform's GPU providers are tried in order (Linux: cuda; Windows:
//   cuda, dml; macOS: coreml), each alone, then cpu. The first whose session is created serves;
//   status.backend/device say which, status.fallbackReason why the ones before it did not.
// - Texts are tokenised (truncated to the bundle's contextLength, keeping the trailing special token
//   such as [SEP]), sorted by length, cut into batches of at most maxBatch texts and maxBatchTokens
//   padded tokens, padded per batch, run, and put back in the caller's order.
// - The graph's output decides the pooling: [batch, dim] (a sentence_embedding the graph pooled) is
//   used as is; [batch, sequence, dim] (token embeddings, e.g. last_hidden_state) is mean-pooled
//   over the attention mask here. Every vector is L2-normalised here (idempotent when the graph
//   already did it).
// - onnxruntime-node runs a batch synchronously on the calling thread (after a setImmediate), so a
//   batch blocks the event loop for its run time; maxBatchTokens bounds that. Tokenising yields to
//   the event loop every few milliseconds.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { setImmediate as yieldNow } from 'node:timers/promises';
import type * as Ort from 'onnxruntime-node';
import type { Tokenizer } from '@huggingface/tokenizers';

// onnxruntime-node (its native library) and the tokenizer are loaded with the first ONNX model, not
// with the app: no start-up path needs them (issue 20: tens of ms of every start, before the first screen).
let ort: typeof Ort;
let TokenizerClass: typeof Tokenizer;
async function loadRuntime(): Promise<void> {
  ort ??= await import('onnxruntime-node');
  TokenizerClass ??= (await import('@huggingface/tokenizers')).Tokenizer;
}
import type { Embedder } from './types';
import { startTokenizeWorker, type TokenizeWorker } from './tokenize-worker';
import type { VerifiedModel } from './ports';
import type { InferenceBackend, ModelSlotStatus } from '../../../shared/memory/types';
import type { Logger } from '../../platform/util/logger';
import { silentLogger } from '../../platform/util/logger';
import { providerFailed, providerNotInBuild, providerNotInstalled, providersFailed, type EmbedderFailure, type FallbackReason } from './reasons';

export interface OnnxEmbedderOptions {
  /** Providers to try, in order (cpu is always tried last). Default: the platform's (see top). */
  executionProviders?: string[];
  /** Most texts per session.run (default 32). */
  maxBatch?: number;
  /** Most padded tokens (batch × longest) per session.run (default 8192): bounds one run's time. */
  maxBatchTokens?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's, one per core). */
  intraOpThreads?: number;
  logger?: Logger;
}

export interface OnnxEmbedder extends Embedder {
  /** A copy of the slot status (tokensPerSecond is the last embed call's rate). */
  status(): ModelSlotStatus;
  /** Token ids a text gets (after truncation), for tests and budgets. */
  tokenize(text: string): number[];
  /** The same for many texts (a big batch on the tokenizer's worker thread). */
  tokenizeMany(texts: string[]): Promise<number[][]>;
  close(): Promise<void>;
}

export class EmbedderLoadError extends Error {
  /** Why, in English, without the model's id. */
  readonly fallbackReason: string;

  constructor(
    message: string,
    /** Why, for the fallback's status: the English and its `models.load_failed.*` key (reasons.ts embedderFailed). */
    readonly why: EmbedderFailure,
  ) {
    super(message);
    this.name = 'EmbedderLoadError';
    this.fallbackReason = why.text;
  }
}

export const DEFAULT_MAX_BATCH = 32;
export const DEFAULT_MAX_BATCH_TOKENS = 8192;
/** A token never covers less than one character, so a text is cut to this many characters per token of context before tokenising (a 1 MB text is not tokenised whole to keep 256 tokens). */
const CHARS_PER_TOKEN_CAP = 64;
/** Tokenising yields to the event loop after this long (tokenizers.js runs ~1M tokens/s on one core). */
const YIELD_EVERY_MS = 8;

/** The GPU providers worth trying on this platform, best first (cpu is added after them). */
export function defaultExecutionProviders(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return ['cuda', 'dml'];
  if (platform === 'darwin') return ['coreml'];
  if (platform === 'linux') return ['cuda'];
  return [];
}

const BACKEND_OF: Record<string, InferenceBackend> = { cpu: 'cpu', cuda: 'cuda', tensorrt: 'cuda', coreml: 'metal', webgpu: 'vulkan' };

const firstLine = (e: unknown): string =>
  String(e instanceof Error ? e.message : e)
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean)
    ?.slice(0, 240) ?? 'unknown error';

/** Why `ep` cannot be tried here, or null when it can. */
function unavailable(ep: string): FallbackReason | null {
  let supported: { name: string; bundled: boolean }[];
  try {
    supported = ort.listSupportedBackends();
  } catch {
    return null;
  }
  const s = supported.find((b) => b.name === ep);
  if (!s) return providerNotInBuild(ep, `${process.platform}-${process.arch}`);
  if (!s.bundled && ep === 'cuda') {
    // The CUDA provider libraries are not shipped in the npm package (its install script fetches
    // them unless onnxruntime-node-install=skip); without them session creation only logs an error.
    try {
      const bin = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
      const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
      if (existsSync(bin) && !existsSync(join(bin, lib))) return providerNotInstalled(lib);
    } catch {
      // cannot tell: try it
    }
  }
  return null;
}

interface Chosen {
  session: Ort.InferenceSession;
  ep: string;
  reasons: FallbackReason[];
}

async function createSession(path: string, eps: string[], o: OnnxEmbedderOptions): Promise<Chosen> {
  const reasons: FallbackReason[] = [];
  const order = [...new Set([...eps.filter((e) => e !== 'cpu'), 'cpu'])];
  for (const ep of order) {
    const why = ep === 'cpu' ? null : unavailable(ep);
    if (why) {
      reasons.push(why);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(path, {
        executionProviders: [ep],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        ...(o.intraOpThreads ? { intraOpNumThreads: o.intraOpThreads } : {}),
        // Idle pool threads sleep instead of spinning: a one-text embed (every memory.add) otherwise
        // burns a second core spinning while the first works (~0.35 ms of CPU against ~0.15 ms
        // measured for the tiny model), and batches lose nothing measurable.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      return { session, ep, reasons };
    } catch (e) {
      reasons.push(providerFailed(ep, firstLine(e)));
    }
  }
  const detail = reasons.map((r) => r.fallbackReason).join('; ');
  throw new EmbedderLoadError(`no execution provider could load the model: ${detail}`, { text: detail, key: 'error', params: { detail } });
}

function deviceOf(ep: string): string {
  if (ep === 'cpu') return `cpu: ${cpus()[0]?.model.trim() ?? 'unknown'} (${cpus().length} threads)`;
  if (ep === 'cuda' || ep === 'tensorrt') return `${ep}:0`;
  if (ep === 'dml') return 'directml:0';
  return ep;
}

function pickOutput(session: Ort.InferenceSession): string {
  const names = session.outputNames;
  for (const n of ['sentence_embedding', 'sentence_embeddings', 'embeddings', 'last_hidden_state', 'token_embeddings']) if (names.includes(n)) return n;
  if (!names[0]) throw new EmbedderLoadError('the model has no outputs', { text: 'the model has no outputs', key: 'no_outputs' });
  return names[0];
}

function l2normalise(v: Float32Array): Float32Array {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i]! * v[i]!;
  const n = Math.sqrt(ss);
  if (n > 1e-12) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/** The bundle's tokenizer and the pad id (padded positions are masked out, so the id only has to be valid). */
function readTokenizer(
  model: VerifiedModel,
  tokPath: string,
  fail: (why: EmbedderFailure) => never,
): { tokenizer: Tokenizer; padId: number; json: object; config: object } {
  let tokenizer: Tokenizer;
  let declaredPad: unknown;
  let json: { padding?: { pad_id?: unknown } | null };
  let config: object;
  try {
    const cfgPath = model.files['tokenizer_config.json'];
    config = cfgPath ? (JSON.parse(readFileSync(cfgPath, 'utf8')) as object) : {};
    json = JSON.parse(readFileSync(tokPath, 'utf8')) as { padding?: { pad_id?: unknown } | null };
    declaredPad = json.padding?.pad_id;
    tokenizer = new TokenizerClass(json, config);
  } catch (e) {
    const detail = firstLine(e);
    return fail({ text: `tokenizer.json cannot be loaded (${detail})`, key: 'tokenizer_unreadable', params: { detail } });
  }
  // The declared one, else [PAD] / <pad>, else 0.
  const padId = (Number.isInteger(declaredPad) ? (declaredPad as number) : undefined) ?? tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0;
  return { tokenizer, padId, json, config };
}

interface Tokenizing {
  /** Token ids of a text, cut to the context length (trailing special tokens kept). */
  tokenize(text: string): number[];
  /** The same for many texts, on the worker when there are enough of them (./tokenize-worker.ts). */
  tokenizeMany(texts: string[]): Promise<number[][]>;
  close(): Promise<void>;
}

/** Below this many texts the hop to the tokenizer worker costs more than it saves (a query, the probe). */
const WORKER_MIN_TEXTS = 16;

function tokenizing(t: { tokenizer: Tokenizer; json: object; config: object }, contextLength: number): Tokenizing {
  const specials = new Set<number>([...t.tokenizer.get_added_tokens_decoder()].filter(([, x]) => x.special).map(([i]) => i));
  const capChars = contextLength * CHARS_PER_TOKEN_CAP;
  const capped = (text: string) => (text.length > capChars ? text.slice(0, capChars) : text);
  const cut = (ids: number[]): number[] => {
    if (ids.length <= contextLength) return ids;
    let tail = 0;
    while (tail < ids.length && tail < contextLength - 1 && specials.has(ids[ids.length - 1 - tail]!)) tail++;
    return [...ids.slice(0, contextLength - tail), ...ids.slice(ids.length - tail)];
  };
  const tokenize = (text: string) => cut(t.tokenizer.encode(capped(text)).ids);
  // Started at the first big batch; a worker that fails leaves tokenising to this thread.
  let worker: TokenizeWorker | null = null;
  const inline = async (texts: string[]) => {
    const out: number[][] = new Array<number[]>(texts.length);
    let slice = performance.now();
    for (let i = 0; i < texts.length; i++) {
      if (performance.now() - slice > YIELD_EVERY_MS) {
        await yieldNow();
        slice = performance.now();
      }
      out[i] = tokenize(texts[i]!);
    }
    return out;
  };
  return {
    tokenize,
    async tokenizeMany(texts) {
      if (texts.length < WORKER_MIN_TEXTS) return inline(texts);
      try {
        worker ??= startTokenizeWorker(t.json, t.config);
        if (worker.alive) return (await worker.encode(texts.map(capped))).map(cut);
      } catch {
        // The worker could not start or failed: this thread tokenises, as before.
      }
      return inline(texts);
    },
    close: async () => {
      await worker?.close();
    },
  };
}

/** The L2-normalised vector of each row: [batch, dim] as is, [batch, sequence, dim] mean-pooled over its real tokens. */
function pooled(out: Ort.Tensor, batch: number[][], S: number, what: string): Float32Array[] {
  const B = batch.length;
  const data = out.data as Float32Array;
  const dims = out.dims;
  const vecs: Float32Array[] = [];
  if (dims.length === 2) {
    const D = dims[1]!;
    for (let r = 0; r < B; r++) vecs.push(l2normalise(data.slice(r * D, (r + 1) * D)));
  } else if (dims.length === 3) {
    const D = dims[2]!;
    for (let r = 0; r < B; r++) {
      const v = new Float64Array(D);
      const n = batch[r]!.length;
      for (let s = 0; s < n; s++) {
        const off = (r * S + s) * D;
        for (let d = 0; d < D; d++) v[d] = v[d]! + data[off + d]!;
      }
      vecs.push(l2normalise(Float32Array.from(v, (x) => x / Math.max(n, 1))));
    }
  } else {
    throw new Error(`${what} has shape [${dims.join(', ')}], expected [batch, dim] or [batch, sequence, dim]`);
  }
  return vecs;
}

/** One session.run over `batch` (token id lists); vectors in the same order. */
function batchRunner(
  session: Ort.InferenceSession,
  inputs: Map<string, string>,
  output: string,
  padId: number,
  id: string,
): (batch: number[][]) => Promise<Float32Array[]> {
  const tensor = (name: string, data: Int32Array, dims: number[]): Ort.Tensor => {
    if (inputs.get(name) === 'int32') return new ort.Tensor('int32', data, dims);
    const wide = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) wide[i] = BigInt(data[i]!);
    return new ort.Tensor('int64', wide, dims);
  };
  return async (batch) => {
    const B = batch.length;
    const S = Math.max(1, ...batch.map((b) => b.length));
    const ids = new Int32Array(B * S).fill(padId);
    const mask = new Int32Array(B * S);
    batch.forEach((b, r) => {
      ids.set(b, r * S);
      mask.fill(1, r * S, r * S + b.length);
    });
    const feeds: Record<string, Ort.Tensor> = { input_ids: tensor('input_ids', ids, [B, S]), attention_mask: tensor('attention_mask', mask, [B, S]) };
    if (inputs.has('token_type_ids')) feeds.token_type_ids = tensor('token_type_ids', new Int32Array(B * S), [B, S]);
    const out = (await session.run(feeds, [output]))[output]!;
    const vecs = pooled(out, batch, S, `${id}: output ${output}`);
    if ('dispose' in out && typeof out.dispose === 'function') out.dispose();
    return vecs;
  };
}

/** Embeds texts longest first in batches (capped by count and by padded tokens), yielding to the event loop while tokenising; updates tokensPerSecond. */
function embedFn(o: {
  id: string;
  tokenizeMany: (texts: string[]) => Promise<number[][]>;
  runBatch: (batch: number[][]) => Promise<Float32Array[]>;
  maxBatch: number;
  maxBatchTokens: number;
  status: ModelSlotStatus;
  isClosed: () => boolean;
}): (texts: string[]) => Promise<Float32Array[]> {
  return async (texts) => {
    if (o.isClosed()) throw new Error(`${o.id}: the embedder is closed`);
    if (!texts.length) return [];
    const started = performance.now();
    const tokens = await o.tokenizeMany(texts);
    const order = texts.map((_, i) => i).sort((a, b) => tokens[b]!.length - tokens[a]!.length || a - b);
    const out = new Array<Float32Array>(texts.length);
    let real = 0;
    for (let at = 0; at < order.length;) {
      // Longest first: the first text of the batch sets the padded length.
      const longest = Math.max(1, tokens[order[at]!]!.length);
      const n = Math.max(1, Math.min(o.maxBatch, Math.floor(o.maxBatchTokens / longest), order.length - at));
      const idx = order.slice(at, at + n);
      const vecs = await o.runBatch(idx.map((i) => tokens[i]!));
      idx.forEach((i, k) => {
        out[i] = vecs[k]!;
        real += tokens[i]!.length;
      });
      at += n;
    }
    const secs = (performance.now() - started) / 1000;
    o.status.tokensPerSecond = secs > 0 ? Math.round(real / secs) : null;
    return out;
  };
}

/** The graph's inputs and their element types; fails (the session released) without input_ids or attention_mask. */
async function graphInputs(session: Ort.InferenceSession, fail: (why: EmbedderFailure) => never): Promise<Map<string, string>> {
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m.isTensor ? m.type : 'int64']));
  const missing = ['input_ids', 'attention_mask'].filter((n) => !inputs.has(n));
  if (missing.length) {
    await session.release();
    const names = session.inputNames.join(', ');
    const text = `the graph has no ${missing.join(' or ')} input (inputs: ${names})`;
    fail({ text, key: 'missing_inputs', params: { missing: missing.length > 1 ? 'both' : missing[0]!, inputs: names } });
  }
  return inputs;
}

/**
 * Load the model (creating its session on the best provider that works), check it with one probe
 * embedding (output width against the bundle's embeddingDimension) and return the embedder with
 * its status. `status` is live: the embedder updates tokensPerSecond in it after each call.
 * Throws EmbedderLoadError (with a fallbackReason for the hashed-ngram fallback's status) when the
 * bundle lacks a tokenizer.json, no provider can load the graph, or the graph does not fit.
 */
export async function loadOnnxEmbedder(model: VerifiedModel, opts: OnnxEmbedderOptions = {}): Promise<{ embedder: OnnxEmbedder; status: ModelSlotStatus }> {
  const id = `${model.bundle}@${model.version}`;
  const log = opts.logger ?? silentLogger;
  const maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? DEFAULT_MAX_BATCH));
  const maxBatchTokens = Math.max(1, Math.floor(opts.maxBatchTokens ?? DEFAULT_MAX_BATCH_TOKENS));
  const fail = (why: EmbedderFailure): never => {
    throw new EmbedderLoadError(`${id}: ${why.text}`, why);
  };
  const { role, format } = model.info;
  if (role !== 'embedding' || format !== 'onnx') fail({ text: `not an ONNX embedding model (${role}, ${format})`, key: 'not_onnx', params: { role, format } });
  const tokPath = model.files['tokenizer.json'];
  if (!tokPath) fail({ text: 'the bundle has no tokenizer.json', key: 'no_tokenizer' });
  await loadRuntime();
  const read = readTokenizer(model, tokPath!, fail);
  const { padId } = read;
  const contextLength = Math.max(2, model.info.contextLength);

  const t0 = performance.now();
  const { session, ep, reasons } = await createSession(model.weightsPath, opts.executionProviders ?? defaultExecutionProviders(), opts);
  const inputs = await graphInputs(session, fail);
  const output = pickOutput(session);

  const status: ModelSlotStatus = {
    arm: 'model',
    id,
    state: 'loading',
    backend: BACKEND_OF[ep] ?? null,
    device: deviceOf(ep),
    vramBytes: null,
    offloadedLayers: null,
    tokensPerSecond: null,
    ...(reasons.length ? providersFailed(reasons) : { fallbackReason: null, fallbackWhy: null }),
    loadProgress: null,
  };

  const tok = tokenizing(read, contextLength);
  const runBatch = batchRunner(session, inputs, output, padId, id);

  let dimension = 0;
  let closed = false;

  const embed = embedFn({ id, tokenizeMany: tok.tokenizeMany, runBatch, maxBatch, maxBatchTokens, status, isClosed: () => closed });

  try {
    const [probe] = await embed(['probe']);
    dimension = probe!.length;
  } catch (e) {
    await session.release();
    const detail = firstLine(e);
    return fail({ text: `the model does not run (${detail})`, key: 'does_not_run', params: { detail } });
  }
  if (model.info.embeddingDimension !== null && model.info.embeddingDimension !== dimension) {
    await session.release();
    const expected = model.info.embeddingDimension;
    fail({ text: `the model outputs ${dimension} dimensions, its bundle says ${expected}`, key: 'dimensions', params: { n: dimension, expected } });
  }
  status.state = 'ready';
  status.tokensPerSecond = null;
  log.info('embedder.loaded', {
    model: id,
    backend: status.backend,
    device: status.device,
    fallbackReason: status.fallbackReason,
    dimension,
    output,
    loadMs: Math.round(performance.now() - t0),
  });

  const embedder: OnnxEmbedder = {
    id,
    dimension,
    embed,
    tokenize: tok.tokenize,
    tokenizeMany: tok.tokenizeMany,
    status: () => ({ ...status }),
    async close() {
      if (closed) return;
      closed = true;
      status.state = 'none';
      await tok.close();
      await session.release();
    },
  };
  return { embedder, status };
}
