// A tiny sentence-embedding model written from scratch, for tests, the bench and `npm run models:tiny`
// (no weights can be downloaded here). Development-only: it needs `onnx-proto` (a devDependency), and
// nothing the app ships imports this file.
//
// model.onnx (IR 8, opset 17), random weights, meaningless by design: tests assert on mechanics.
//   inputs   input_ids       int64 [batch, sequence]
//            attention_mask  int64 [batch, sequence]
//            token_type_ids  int64 [batch, sequence]   (pooling 'none' only; unused, as BERT exports have it)
//   pooling 'graph' (default): the graph pools, as a sentence-transformers export with pooling does:
//     Gather(embeddings, input_ids) [B,S,D] → × mask → ReduceSum over S ÷ max(Σ mask, 1e-9)
//     → ÷ max(‖·‖₂, 1e-12) → sentence_embedding float [batch, dim]
//   pooling 'none': Gather only → last_hidden_state float [batch, sequence, dim] (the embedder pools
//     in JS, as it must for a plain transformer export).
// There are no position embeddings, so the graph takes any sequence length; the bundle's
// contextLength is what the embedder truncates to.
//
// tokenizer.json: a Hugging Face WordPiece tokenizer (BertNormalizer lowercasing and stripping
// accents, BertPreTokenizer, [CLS] … [SEP] template): special tokens, single characters, `##`
// continuations of every character (so any Latin-script word tokenizes without [UNK]), a few
// suffixes and common words of en/sv/fr/de/es, and opts.vocab. Same options, same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import type { ModelInfo } from '../../../shared/bundles/types';
import { mulberry32 } from '../../../platform/prng';

const proto = onnxProto.onnx;

export const TINY_EMBED_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789', ...'ßæøœðþ', ...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', '¿', '¡', '«', '»', '€', '§'];
const SUFFIXES = [
  's',
  'es',
  'ed',
  'ing',
  'er',
  'en',
  'ar',
  'or',
  'na',
  'et',
  'ion',
  'tion',
  'ment',
  'ung',
  'lich',
  'het',
  'ning',
  'ly',
  'ness',
  'able',
  'isch',
  'keit',
  'ado',
  'ada',
  'ción',
  'eur',
  'euse',
];
// Lowercased and accent-stripped, as the normaliser leaves them.
const WORDS = (
  'the a an and or of to in on at for with by from is are was were be been it this that not no all ' +
  'leak water roof floor wall damage crack fire risk safety inspection report site repair urgent critical minor ' +
  'high low medium cost amount invoice supplier customer contract approval review sample temperature frozen ' +
  'och att det som en ett ar var har inte med for pa till av den de om vid under efter sakerhet rapport skada ' +
  'le la les un une des et est sont dans sur pour avec par pas que qui du au rapport securite dommage ' +
  'der die das und ist sind nicht mit fur auf von zu im ein eine bericht sicherheit schaden prufung ' +
  'el los las y es son en con por para no que del al informe seguridad dano revision'
)
  .split(' ')
  .filter(Boolean);

export interface TinyEmbeddingOptions {
  /** Embedding width (default 32). */
  dimension?: number;
  /** Extra whole-word tokens (lowercase, without accents), after the built-in ones. */
  vocab?: readonly string[];
  /** PRNG seed of the embedding table (default 42). */
  seed?: number;
  /** 'graph' (default): the graph pools and normalises; 'none': token embeddings out, pooled by the embedder. */
  pooling?: 'graph' | 'none';
  /** Written into the ModelInfo (tinyEmbeddingModelInfo); the graph itself takes any length. Default 128. */
  contextLength?: number;
}

export interface TinyEmbeddingModel {
  /** model.onnx bytes. */
  model: Buffer;
  /** tokenizer.json text. */
  tokenizer: string;
  vocabSize: number;
  dimension: number;
  /** Name of the graph's output. */
  output: 'sentence_embedding' | 'last_hidden_state';
}

/** The vocabulary, in id order (deduplicated, specials first). */
export function tinyEmbeddingVocab(extra: readonly string[] = []): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (t: string) => {
    if (t && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  for (const t of TINY_EMBED_SPECIALS) add(t);
  for (const c of CHARS) add(c);
  for (const c of CHARS) add(`##${c}`);
  for (const s of SUFFIXES) add(`##${s.normalize('NFD').replace(/\p{M}/gu, '')}`);
  for (const w of WORDS) add(w);
  for (const w of extra) add(w);
  return out;
}

function tokenizerJson(vocab: readonly string[]): string {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (t: string) => ({ id: ids[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tok = (t: '[CLS]' | '[SEP]') => ({ id: t, ids: [ids[t]], tokens: [t] });
  return `${JSON.stringify(
    {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: TINY_EMBED_SPECIALS.map(special),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: { '[CLS]': tok('[CLS]'), '[SEP]': tok('[SEP]') },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
    },
    null,
    1,
  )}\n`;
}

const T = proto.TensorProto.DataType;
const A = proto.AttributeProto.AttributeType;

const int64s = (name: string, values: number[]): onnx.ITensorProto => ({
  name,
  dataType: T.INT64,
  dims: [values.length],
  rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
});
const float = (name: string, v: number): onnx.ITensorProto => ({ name, dataType: T.FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(v).buffer) });
const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({
  opType,
  input,
  output,
  name: output[0],
  attribute,
});
const intAttr = (name: string, i: number): onnx.IAttributeProto => ({ name, type: A.INT, i });
const valueInfo = (name: string, elemType: number, dims: (string | number)[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
});

/** Build the model and tokenizer in memory. */
export function buildTinyEmbeddingModel(opts: TinyEmbeddingOptions = {}): TinyEmbeddingModel {
  const dimension = opts.dimension ?? 32;
  if (!Number.isInteger(dimension) || dimension < 1) throw new Error(`dimension must be a positive integer (got ${dimension})`);
  const pooling = opts.pooling ?? 'graph';
  const vocab = tinyEmbeddingVocab(opts.vocab);
  const rand = mulberry32(opts.seed ?? 42);
  // Normal(0, 1) by Box–Muller; the [PAD] row stays zero (masked out anyway).
  const table = new Float32Array(vocab.length * dimension);
  for (let i = dimension; i < table.length; i++) table[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

  const ids = valueInfo('input_ids', T.INT64, ['batch', 'sequence']);
  const mask = valueInfo('attention_mask', T.INT64, ['batch', 'sequence']);
  const initializer: onnx.ITensorProto[] = [{ name: 'embeddings', dataType: T.FLOAT, dims: [vocab.length, dimension], rawData: new Uint8Array(table.buffer) }];
  let nodes: onnx.INodeProto[];
  let inputs: onnx.IValueInfoProto[];
  let output: onnx.IValueInfoProto;
  if (pooling === 'none') {
    inputs = [ids, mask, valueInfo('token_type_ids', T.INT64, ['batch', 'sequence'])];
    nodes = [node('Gather', ['embeddings', 'input_ids'], ['last_hidden_state'], [intAttr('axis', 0)])];
    output = valueInfo('last_hidden_state', T.FLOAT, ['batch', 'sequence', dimension]);
  } else {
    inputs = [ids, mask];
    initializer.push(int64s('axis_seq', [1]), int64s('axis_dim', [2]), float('eps_count', 1e-9), float('eps_norm', 1e-12));
    nodes = [
      node('Gather', ['embeddings', 'input_ids'], ['tokens'], [intAttr('axis', 0)]),
      node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', T.FLOAT)]),
      node('Unsqueeze', ['mask_f', 'axis_dim'], ['mask_3d']),
      node('Mul', ['tokens', 'mask_3d'], ['masked']),
      node('ReduceSum', ['masked', 'axis_seq'], ['summed'], [intAttr('keepdims', 0)]),
      node('ReduceSum', ['mask_3d', 'axis_seq'], ['count'], [intAttr('keepdims', 0)]),
      node('Max', ['count', 'eps_count'], ['count_c']),
      node('Div', ['summed', 'count_c'], ['mean']),
      node('Mul', ['mean', 'mean'], ['squares']),
      node('ReduceSum', ['squares', 'axis_seq'], ['sum_sq'], [intAttr('keepdims', 1)]),
      node('Sqrt', ['sum_sq'], ['norm']),
      node('Max', ['norm', 'eps_norm'], ['norm_c']),
      node('Div', ['mean', 'norm_c'], ['sentence_embedding']),
    ];
    output = valueInfo('sentence_embedding', T.FLOAT, ['batch', dimension]);
  }
  const model = proto.ModelProto.encode({
    irVersion: 8,
    producerName: 'maestro-tiny-embed',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'tiny_embed', node: nodes, initializer, input: inputs, output: [output] },
  }).finish();
  return {
    model: Buffer.from(model),
    tokenizer: tokenizerJson(vocab),
    vocabSize: vocab.length,
    dimension,
    output: pooling === 'none' ? 'last_hidden_state' : 'sentence_embedding',
  };
}

/** The ModelInfo of a bundle carrying this model (weights `model.onnx`, plus `tokenizer.json`). */
export function tinyEmbeddingModelInfo(opts: TinyEmbeddingOptions = {}): ModelInfo {
  return {
    role: 'embedding',
    format: 'onnx',
    file: 'model.onnx',
    family: opts.pooling === 'none' ? 'tiny-embed-tokens' : 'tiny-embed',
    quantization: 'fp32',
    contextLength: opts.contextLength ?? 128,
    embeddingDimension: opts.dimension ?? 32,
    licence: 'Apache-2.0',
  };
}

/** Write `model.onnx` and `tokenizer.json` into `dir` (created if missing). */
export function writeTinyEmbeddingModel(dir: string, opts: TinyEmbeddingOptions = {}): TinyEmbeddingModel & { modelPath: string; tokenizerPath: string } {
  const m = buildTinyEmbeddingModel(opts);
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, 'model.onnx');
  const tokenizerPath = join(dir, 'tokenizer.json');
  writeFileSync(modelPath, m.model);
  writeFileSync(tokenizerPath, m.tokenizer);
  return { ...m, modelPath, tokenizerPath };
}
