// Prompt-injection detector quality over the labelled corpus (bench/corpus/injection.jsonl: field
// notes and injection attempts in en, de, fr, es, fi, ru; ~20 % held out as split "test", written
// before the detector was tuned and scored only here). Precision and recall over the whole corpus,
// per language and on the held-out split, each against a naive single-keyword baseline (flag any
// text containing "ignore") measured on the same lines. Plus the detector's cost per text.
import { readFileSync } from 'node:fs';
import { isInjection } from '../src/main/features/policy/injection';
import { emit, percentile } from './figure';

interface Row {
  text: string;
  label: 'injection' | 'benign';
  lang: string;
  split?: 'train' | 'test';
}

export function loadCorpus(): Row[] {
  const text = readFileSync(new URL('./corpus/injection.jsonl', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
}

const naive = (t: string): boolean => t.toLowerCase().includes('ignore');

function score(rows: readonly Row[], detect: (t: string) => boolean): { precision: number; recall: number; tp: number; fp: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const r of rows) {
    const p = detect(r.text);
    const pos = r.label === 'injection';
    if (p && pos) tp++;
    else if (p) fp++;
    else if (pos) fn++;
  }
  // Nothing flagged: no precision credit (0), rather than an undefined ratio.
  return { precision: tp + fp ? tp / (tp + fp) : 0, recall: tp + fn ? tp / (tp + fn) : 0, tp, fp, fn };
}

function figures(name: string, rows: readonly Row[], targets: boolean): void {
  const d = score(rows, isInjection);
  const b = score(rows, naive);
  // Percent, so the two decimals emit() keeps still show a single line (29 held-out injections: 3.4 % each).
  const refName = `naive keyword 'ignore', same ${rows.length} lines (detector: ${d.tp} TP, ${d.fp} FP, ${d.fn} FN)`;
  emit({ name: `injection.detect.precision${name}`, value: d.precision * 100, unit: '%', ref: b.precision * 100, refName, target: targets ? '>= 95' : null });
  emit({ name: `injection.detect.recall${name}`, value: d.recall * 100, unit: '%', ref: b.recall * 100, refName, target: targets ? '>= 90' : null });
}

export function run(): void {
  const rows = loadCorpus();
  figures('', rows, true);
  for (const lang of [...new Set(rows.map((r) => r.lang))].sort())
    figures(
      `.${lang}`,
      rows.filter((r) => r.lang === lang),
      false,
    );
  figures(
    '.heldout',
    rows.filter((r) => r.split === 'test'),
    true,
  );

  // Cost per text (µs), all corpus lines, 5 passes after a warm-up pass.
  const time = (f: (t: string) => boolean): number => {
    for (const r of rows) f(r.text);
    const ts: number[] = [];
    for (let k = 0; k < 5; k++) {
      for (const r of rows) {
        const t = performance.now();
        f(r.text);
        ts.push((performance.now() - t) * 1000);
      }
    }
    return percentile(
      ts.sort((a, b) => a - b),
      99,
    );
  };
  emit({ name: 'injection.detect.p99', value: time(isInjection), unit: 'µs/text', ref: time(naive), refName: "naive keyword 'ignore'", target: null });
}
