// The second stage of the injection detector: a local, multilingual linear classifier over hashed
// character n-grams and words (injection-features.ts), trained by scripts/injection/train.ts on
// the generated corpus (bench/corpus/injection-ml.jsonl, 20 languages, hard negatives) and shipped
// as injection-model.json (int8 weights, Platt calibration, the threshold chosen on the validation
// split). No model runtime: a few typed-array passes, well under a millisecond for a 4 KiB text.
// injection.ts combines it with the rules.
import model from './injection-model.json';
import { foldText, maxMarginOf, sentences, SCRIPTS, type LinearModel } from './injection-features';

interface ModelFile {
  format: string;
  bits: number;
  scale: number;
  bias: number;
  scriptBias: number[];
  platt: { a: number; c: number };
  threshold: number;
  weights: string;
}

export interface Classification {
  /** Calibrated probability that the text is an injection (its most suspicious window). */
  probability: number;
  /** That window (folded text, at most 80 characters). */
  excerpt: string;
}

let loaded: { linear: LinearModel; file: ModelFile } | null = null;

function load(): { linear: LinearModel; file: ModelFile } {
  if (loaded) return loaded;
  const file = model as ModelFile;
  if (file.format !== 'maestro.injection-classifier/1') throw new Error(`unknown injection model format ${String(file.format)}`);
  const raw = Buffer.from(file.weights, 'base64');
  if (raw.length !== 1 << file.bits || file.scriptBias.length !== SCRIPTS.length) throw new Error('injection model weights do not match its size');
  const q = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  loaded = { file, linear: { bits: file.bits, bias: file.bias, scriptBias: file.scriptBias, scale: file.scale, weights: Int8Array.from(q) } };
  return loaded;
}

/** The classifier's decision threshold on the calibrated probability. */
export function classifierThreshold(): number {
  return load().file.threshold;
}

export function classify(text: string): Classification {
  const { linear, file } = load();
  const ss = sentences(foldText(text));
  const { margin, span } = maxMarginOf(linear, ss);
  const probability = 1 / (1 + Math.exp(-(file.platt.a * margin + file.platt.c)));
  return {
    probability,
    excerpt: ss
      .slice(span[0], span[1] + 1)
      .join(' ')
      .slice(0, 80),
  };
}
