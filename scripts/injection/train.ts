// Trains the injection classifier (src/main/features/policy/injection-classifier.ts) on the
// generated corpus: `npm run injection:train` (gen-corpus.ts first). Writes
// src/main/features/policy/injection-model.json and prints its validation figures.
//
// Model: logistic regression over hashed character n-grams and words (injection-features.ts),
// fitted by averaged SGD with balanced class weights. Training texts: the `train` split of
// bench/corpus/injection-ml.jsonl plus the `train` lines of bench/corpus/injection.jsonl (the rule
// detector's own corpus), each also seen lower-cased-and-unpunctuated and with one typo; every
// sentence of a benign text is also a benign example (detection scores sentences and pairs).
// Calibration: Platt scaling of the runtime score (the highest window margin) on the `val` split,
// then the threshold that keeps precision >= TARGET_PRECISION there with the most recall.
// The `test` split is never read here.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 as rng } from '../../src/platform/prng';
import {
  bucketsOf,
  foldText,
  maxMargin,
  scriptOf,
  sentences,
  SCRIPTS,
  vectorOf,
  type LinearModel,
  type SparseVector,
} from '../../src/main/features/policy/injection-features';

const BITS = 18;
const EPOCHS = 12;
const ETA0 = 0.5;
const TARGET_PRECISION = 0.975;

interface Row {
  text: string;
  label: 'injection' | 'benign';
  lang: string;
  split?: string;
}

function readJsonl(path: string): Row[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
}

const listsOf = (text: string): Int32Array[] => sentences(foldText(text)).map((s) => bucketsOf(s, BITS));

function typo(text: string, r: () => number): string {
  const i = 1 + Math.floor(r() * Math.max(1, text.length - 3));
  return text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
}

interface Example {
  x: SparseVector;
  y: 0 | 1;
  script: number;
}

function examples(rows: readonly Row[], r: () => number): Example[] {
  const out: Example[] = [];
  for (const row of rows) {
    const y = row.label === 'injection' ? 1 : 0;
    const ss = sentences(foldText(row.text));
    const script = scriptOf(ss[0]!);
    out.push({ x: vectorOf(listsOf(row.text)), y, script });
    out.push({ x: vectorOf(listsOf(row.text.replace(/[\p{P}]/gu, ' '))), y, script });
    out.push({ x: vectorOf(listsOf(typo(row.text, r))), y, script });
    if (!y) for (const s of ss) out.push({ x: vectorOf([bucketsOf(s, BITS)]), y, script: scriptOf(s) });
  }
  return out;
}

function fit(data: Example[], r: () => number): LinearModel {
  const n = 1 << BITS;
  const w = new Float64Array(n);
  // Averaged SGD, lazily: sum[f] accumulates w[f] over the steps of the second half, updated when f changes.
  const sum = new Float64Array(n);
  const last = new Float64Array(n);
  let b = 0;
  let bSum = 0;
  const sb = new Float64Array(SCRIPTS.length);
  const sbSum = new Float64Array(SCRIPTS.length);
  const pos = data.filter((e) => e.y).length;
  const cw = [data.length / (2 * (data.length - pos)), data.length / (2 * pos)];
  const total = EPOCHS * data.length;
  const t0 = Math.floor(EPOCHS / 2) * data.length;
  let t = 0;
  for (let ep = 0; ep < EPOCHS; ep++) {
    for (let i = data.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [data[i], data[j]] = [data[j]!, data[i]!];
    }
    for (const e of data) {
      t++;
      const eta = ETA0 / (1 + (4 * t) / total);
      let z = b + sb[e.script]!;
      for (let k = 0; k < e.x.idx.length; k++) z += w[e.x.idx[k]!]! * e.x.val[k]!;
      const g = (1 / (1 + Math.exp(-z)) - e.y) * cw[e.y]!;
      for (let k = 0; k < e.x.idx.length; k++) {
        const f = e.x.idx[k]!;
        if (t > t0) {
          sum[f] = sum[f]! + w[f]! * (t - Math.max(last[f]!, t0));
          last[f] = t;
        }
        w[f] = w[f]! - eta * g * e.x.val[k]!;
      }
      b -= eta * g * 0.1;
      sb[e.script] = sb[e.script]! - eta * g * 0.1;
      if (t > t0) {
        bSum += b;
        for (let k = 0; k < sb.length; k++) sbSum[k] = sbSum[k]! + sb[k]!;
      }
    }
  }
  const steps = total - t0;
  const avg = new Float32Array(n);
  for (let f = 0; f < n; f++) avg[f] = (sum[f]! + w[f]! * (total - Math.max(last[f]!, t0))) / steps;
  return { bits: BITS, weights: avg, scale: 1, bias: bSum / steps, scriptBias: Array.from(sbSum, (v) => v / steps) };
}

/** int8 weights and their scale: what ships. */
function quantize(m: LinearModel): { q: Int8Array; scale: number; model: LinearModel } {
  let max = 0;
  for (const v of m.weights) max = Math.max(max, Math.abs(v));
  const scale = max / 127;
  const q = Int8Array.from(m.weights, (v) => Math.round(v / scale));
  return { q, scale, model: { bits: m.bits, bias: m.bias, scriptBias: m.scriptBias, scale, weights: q } };
}

/** Platt scaling: p = sigmoid(a * margin + c), fitted by gradient descent on the log loss. */
function platt(scores: readonly number[], ys: readonly number[]): { a: number; c: number } {
  let a = 1;
  let c = 0;
  for (let it = 0; it < 3000; it++) {
    let ga = 0;
    let gc = 0;
    scores.forEach((s, i) => {
      const p = 1 / (1 + Math.exp(-(a * s + c)));
      ga += (p - ys[i]!) * s;
      gc += p - ys[i]!;
    });
    a -= (0.5 * ga) / scores.length;
    c -= (0.5 * gc) / scores.length;
  }
  return { a, c };
}

function threshold(ps: readonly number[], ys: readonly number[]): { threshold: number; precision: number; recall: number } {
  const order = ps.map((p, i) => [p, ys[i]!] as const).sort((x, y) => y[0] - x[0]);
  const positives = ys.filter((y) => y).length;
  let tp = 0;
  let fp = 0;
  let best = { threshold: 0.99, precision: 1, recall: 0 };
  for (let i = 0; i < order.length; i++) {
    if (order[i]![1]) tp++;
    else fp++;
    if (i + 1 < order.length && order[i + 1]![0] === order[i]![0]) continue;
    const precision = tp / (tp + fp);
    if (precision >= TARGET_PRECISION && tp / positives >= best.recall) best = { threshold: order[i]![0], precision, recall: tp / positives };
  }
  return best;
}

/** The model file trained from the committed corpus (deterministic: same corpus and code, same bytes). */
export function trainModel(root: string): Record<string, unknown> {
  const ml = readJsonl(join(root, 'bench/corpus/injection-ml.jsonl'));
  const legacy = readJsonl(join(root, 'bench/corpus/injection.jsonl')).filter((x) => x.split === 'train');
  const r = rng(20261206);
  const train = [...ml.filter((x) => x.split === 'train'), ...legacy];
  const { q, scale, model } = quantize(fit(examples(train, r), r));
  const val = ml.filter((x) => x.split === 'val');
  const margins = val.map((x) => {
    const ss = sentences(foldText(x.text));
    return maxMargin(
      model,
      ss.map((s) => bucketsOf(s, BITS)),
      ss.map(scriptOf),
    ).margin;
  });
  const ys = val.map((x) => (x.label === 'injection' ? 1 : 0));
  const { a, c } = platt(margins, ys);
  const cut = threshold(
    margins.map((m) => 1 / (1 + Math.exp(-(a * m + c)))),
    ys,
  );
  return {
    format: 'maestro.injection-classifier/1',
    trained: { texts: train.length, languages: [...new Set(train.map((x) => x.lang))].sort(), epochs: EPOCHS },
    bits: BITS,
    scale,
    bias: model.bias,
    scriptBias: Array.from(model.scriptBias),
    platt: { a, c },
    threshold: cut.threshold,
    validation: { texts: val.length, precision: cut.precision, recall: cut.recall },
    weights: Buffer.from(q.buffer).toString('base64'),
  };
}

export const MODEL_PATH = 'src/main/features/policy/injection-model.json';

if (process.argv[1]?.endsWith('train.ts')) {
  const root = new URL('../../', import.meta.url).pathname;
  const t0 = Date.now();
  const out = trainModel(root);
  writeFileSync(join(root, MODEL_PATH), JSON.stringify(out) + '\n');
  console.log(JSON.stringify({ ...out, weights: `${1 << BITS} int8`, seconds: (Date.now() - t0) / 1000 }));
}
