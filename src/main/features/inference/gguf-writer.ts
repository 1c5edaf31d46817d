// A tiny random-weight llama model in GGUF v3, written from scratch for tests, benches and
// `npm run models:tiny`: no weights can be downloaded here, so the tests make their own. Output is
// gibberish by design; what it exercises is the mechanics (loading, tokenising, token budgets,
// timeouts, aborts, grammar-constrained output). Deterministic: the same options give the same bytes.
//
// Layout (GGUF v3, little-endian): header (magic, version, tensor count, metadata count), metadata
// key/values, tensor infos (name, dims innermost first, type, offset), padding to the alignment,
// then the tensor data, each tensor aligned. All tensors are F32.
import { writeFileSync } from 'node:fs';
import { mulberry32 } from '../../../platform/prng';

export interface TinyGgufOptions {
  /** PRNG seed for the weights (default 1). */
  seed?: number;
  /** Embedding width (default 64). */
  embedding?: number;
  /** Transformer blocks (default 2). */
  blocks?: number;
  /** Attention heads (default 4); embedding must be a multiple. */
  heads?: number;
  /** Key/value heads (default: heads). */
  kvHeads?: number;
  /** Feed-forward width (default 2 × embedding). */
  feedForward?: number;
  /** Trained context length written to the metadata (default 256). */
  contextLength?: number;
  /** Whole-word tokens added after the byte tokens, each as `▁word` with its prefixes (default a few English words). */
  words?: string[];
  /** Standard deviation of the random weights (default 0.05); norms are all 1. */
  sigma?: number;
  /** general.name (default `maestro-tiny-llama`). */
  name?: string;
  /** A Jinja chat template (tokenizer.chat_template), as instruct models carry; default none. */
  chatTemplate?: string;
}

export interface TinyGgufInfo {
  path: string;
  bytes: number;
  vocabSize: number;
  parameters: number;
}

const DEFAULT_WORDS = ['the', 'is', 'low', 'high', 'level'];
const ALIGNMENT = 32;

// GGUF metadata value types.
const T_UINT32 = 4;
const T_INT32 = 5;
const T_FLOAT32 = 6;
const T_BOOL = 7;
const T_STRING = 8;
const T_ARRAY = 9;
// ggml tensor type.
const GGML_F32 = 0;

type Meta =
  | [string, 'u32', number]
  | [string, 'f32', number]
  | [string, 'bool', boolean]
  | [string, 'str', string]
  | [string, 'str[]', string[]]
  | [string, 'f32[]', number[]]
  | [string, 'i32[]', number[]];

class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;
  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  bytes(b: Buffer): void {
    this.push(b);
  }
  pad(to: number): void {
    const rem = this.length % to;
    if (rem) this.push(Buffer.alloc(to - rem));
  }
  done(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeMeta(w: ByteWriter, [key, type, value]: Meta): void {
  w.str(key);
  switch (type) {
    case 'u32':
      w.u32(T_UINT32);
      w.u32(value);
      return;
    case 'f32':
      w.u32(T_FLOAT32);
      w.f32(value);
      return;
    case 'bool':
      w.u32(T_BOOL);
      w.bytes(Buffer.from([value ? 1 : 0]));
      return;
    case 'str':
      w.u32(T_STRING);
      w.str(value);
      return;
    case 'str[]':
      w.u32(T_ARRAY);
      w.u32(T_STRING);
      w.u64(value.length);
      for (const s of value) w.str(s);
      return;
    case 'f32[]':
      w.u32(T_ARRAY);
      w.u32(T_FLOAT32);
      w.u64(value.length);
      for (const x of value) w.f32(x);
      return;
    case 'i32[]':
      w.u32(T_ARRAY);
      w.u32(T_INT32);
      w.u64(value.length);
      for (const x of value) w.i32(x);
      return;
  }
}

/** Tokenizer: <unk>, <s>, </s>, the 256 byte tokens, then ▁word tokens (and their types). */
function tinyVocab(words: readonly string[]): { tokens: string[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  for (let i = 0; i < 256; i++) {
    tokens.push(`<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  // Words are reachable by the SentencePiece merges only through their prefixes (`▁`, `▁l`, `▁le`,
  // …), so those are tokens too; `▁` alone makes spaces round-trip through detokenisation.
  const pieces = new Set<string>(['▁']);
  for (const word of words) for (let i = 1; i <= [...word].length; i++) pieces.add(`▁${[...word].slice(0, i).join('')}`);
  for (const piece of pieces) {
    tokens.push(piece);
    types.push(1);
  }
  return { tokens, types };
}

/** Tensors in ggml dimension order (innermost first); norms are 1, the rest random normal. */
function tinyTensors(nEmbd: number, nVocab: number, nBlocks: number, nEmbdKv: number, nFf: number): { name: string; dims: number[]; norm: boolean }[] {
  const tensors: { name: string; dims: number[]; norm: boolean }[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], norm: false },
    { name: 'output_norm.weight', dims: [nEmbd], norm: true },
    { name: 'output.weight', dims: [nEmbd, nVocab], norm: false },
  ];
  for (let b = 0; b < nBlocks; b++) {
    tensors.push(
      { name: `blk.${b}.attn_norm.weight`, dims: [nEmbd], norm: true },
      { name: `blk.${b}.attn_q.weight`, dims: [nEmbd, nEmbd], norm: false },
      { name: `blk.${b}.attn_k.weight`, dims: [nEmbd, nEmbdKv], norm: false },
      { name: `blk.${b}.attn_v.weight`, dims: [nEmbd, nEmbdKv], norm: false },
      { name: `blk.${b}.attn_output.weight`, dims: [nEmbd, nEmbd], norm: false },
      { name: `blk.${b}.ffn_norm.weight`, dims: [nEmbd], norm: true },
      { name: `blk.${b}.ffn_gate.weight`, dims: [nEmbd, nFf], norm: false },
      { name: `blk.${b}.ffn_up.weight`, dims: [nEmbd, nFf], norm: false },
      { name: `blk.${b}.ffn_down.weight`, dims: [nFf, nEmbd], norm: false },
    );
  }
  return tensors;
}

/** The GGUF bytes of a tiny random-weight llama model (see writeTinyGguf). */
export function tinyGgufBytes(opts: TinyGgufOptions = {}): { bytes: Buffer; vocabSize: number; parameters: number } {
  const nEmbd = opts.embedding ?? 64;
  const nBlocks = opts.blocks ?? 2;
  const nHead = opts.heads ?? 4;
  const nHeadKv = opts.kvHeads ?? nHead;
  const nFf = opts.feedForward ?? nEmbd * 2;
  const nCtx = opts.contextLength ?? 256;
  const sigma = opts.sigma ?? 0.05;
  if (nEmbd % nHead !== 0 || nHead % nHeadKv !== 0) throw new Error('embedding must be a multiple of heads, and heads a multiple of kvHeads');
  const headDim = nEmbd / nHead;
  const nEmbdKv = headDim * nHeadKv;

  const { tokens, types } = tinyVocab(opts.words ?? DEFAULT_WORDS);
  const nVocab = tokens.length;

  const meta: Meta[] = [
    ['general.architecture', 'str', 'llama'],
    ['general.name', 'str', opts.name ?? 'maestro-tiny-llama'],
    ['general.alignment', 'u32', ALIGNMENT],
    ['general.file_type', 'u32', 0],
    ['llama.context_length', 'u32', nCtx],
    ['llama.embedding_length', 'u32', nEmbd],
    ['llama.block_count', 'u32', nBlocks],
    ['llama.feed_forward_length', 'u32', nFf],
    ['llama.attention.head_count', 'u32', nHead],
    ['llama.attention.head_count_kv', 'u32', nHeadKv],
    ['llama.rope.dimension_count', 'u32', headDim],
    ['llama.attention.layer_norm_rms_epsilon', 'f32', 1e-5],
    ['llama.vocab_size', 'u32', nVocab],
    ['tokenizer.ggml.model', 'str', 'llama'],
    ['tokenizer.ggml.tokens', 'str[]', tokens],
    ['tokenizer.ggml.scores', 'f32[]', tokens.map(() => 0)],
    ['tokenizer.ggml.token_type', 'i32[]', types],
    ['tokenizer.ggml.unknown_token_id', 'u32', 0],
    ['tokenizer.ggml.bos_token_id', 'u32', 1],
    ['tokenizer.ggml.eos_token_id', 'u32', 2],
    ['tokenizer.ggml.add_bos_token', 'bool', true],
    ['tokenizer.ggml.add_eos_token', 'bool', false],
  ];
  if (opts.chatTemplate !== undefined) meta.push(['tokenizer.chat_template', 'str', opts.chatTemplate]);

  const tensors = tinyTensors(nEmbd, nVocab, nBlocks, nEmbdKv, nFf);

  const w = new ByteWriter();
  w.bytes(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const m of meta) writeMeta(w, m);

  const rand = mulberry32(opts.seed ?? 1);
  const normal = (): number => {
    // Box-Muller; 1 - u keeps log() finite.
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const data: Buffer[] = [];
  let offset = 0;
  let parameters = 0;
  for (const t of tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    parameters += n;
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_F32);
    w.u64(offset);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = t.norm ? 1 : normal() * sigma;
    const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    const padded = Math.ceil(buf.length / ALIGNMENT) * ALIGNMENT;
    data.push(buf, Buffer.alloc(padded - buf.length));
    offset += padded;
  }
  w.pad(ALIGNMENT);
  for (const d of data) w.bytes(d);
  return { bytes: w.done(), vocabSize: nVocab, parameters };
}

/**
 * Write a tiny random-weight llama GGUF (v3) to `path`: by default 2 blocks, embedding 64, 4 heads,
 * feed-forward 128, context 256, F32, a byte-level vocabulary plus a few `▁word` tokens (276
 * tokens, ~0.5 MB). Deterministic given `seed`.
 */
export function writeTinyGguf(path: string, opts: TinyGgufOptions = {}): TinyGgufInfo {
  const { bytes, vocabSize, parameters } = tinyGgufBytes(opts);
  writeFileSync(path, bytes);
  return { path, bytes: bytes.length, vocabSize, parameters };
}
