// Generates the labelled injection corpus (bench/corpus/injection-ml.jsonl) from the language packs
// in scripts/injection/langs/<lang>.json (see check-pack.mjs for their shape). Deterministic: the
// same packs give the same file.
//
// Split: every phrasing (an injection template, a hard negative, a benign note, a carrier) is put
// in one split by a hash of its language, list and position: about 20 % `test` (held out: training
// and calibration never see these phrasings), 10 % `val` (calibration and the threshold), 70 %
// `train`. A text is built only from phrasings of its own split, so a held-out text is new wording,
// not a training sentence with other slot values.
//
// Texts per phrasing: an injection alone, inside a carrier note (before or after) and, for some,
// in the middle of a long note; a hard negative alone and inside a carrier; benign notes alone,
// with a carrier and joined into long notes.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { checkPack, INTENTS } from './check-pack.mjs';
import { mulberry32 as rng } from '../../src/platform/prng';

type Split = 'train' | 'val' | 'test';
interface Pack {
  lang: string;
  injection: Record<string, string[]>;
  hard_negative: string[];
  benign: string[];
  carriers: string[];
}
export interface CorpusRow {
  text: string;
  label: 'injection' | 'benign';
  lang: string;
  split: Split;
  kind: string;
}

const SLOTS: Record<string, readonly string[]> = {
  site: ['PS-7', 'Dam B2', 'Well 14', 'North Bridge', 'Substation K3', 'Plot 22A', 'Tank farm T5', 'Culvert C-19', 'Mast 308', 'Sector 4'],
  n: ['2', '3', '7', '12', '15', '40', '85', '120', '3.5', '0.8'],
  amount: ['€2,500', '$12,000', '4 500 EUR', 'R$ 8.000', 'Rp 15.000.000', 'KSh 250,000', '¥300,000', '₹95,000', '50 000 zł', '₺40.000', '9 999 €', '$750'],
  person: [
    'Erin Novak',
    'Ana Souza',
    'Budi Santoso',
    'Amina Odhiambo',
    'Li Wei',
    'Yuki Tanaka',
    'Omar Haddad',
    'Priya Sharma',
    'Jan de Vries',
    'Olga Petrova',
    'Mikko Laine',
    'Ayşe Demir',
  ],
  email: ['audit-copy@mailbox.example', 'ops.backup@example.net', 'records@files-drop.example', 'x7@collector.example.org'],
  url: ['https://files-drop.example/u', 'http://203.0.113.9/collect', 'https://paste.example.com/new', 'https://cdn.example.net/p.png?d='],
  id: ['RPT-2026-103', 'RPT-2026-117', 'SPC-0042', 'INS-7781', 'WO-55120'],
};

function h32(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}

function splitOf(key: string): Split {
  const r = h32(`split:${key}`) % 10;
  return r < 2 ? 'test' : r < 3 ? 'val' : 'train';
}

function fill(template: string, r: () => number): string {
  return template.replace(/\{(\w+)\}/gu, (m, k: string) => {
    const vals = SLOTS[k];
    return vals ? vals[Math.floor(r() * vals.length)]! : m;
  });
}

function join2(a: string, b: string): string {
  return /[.!?。！？]$/u.test(a.trim()) ? `${a.trim()} ${b.trim()}` : `${a.trim()}. ${b.trim()}`;
}

interface Pools {
  carriers: Record<Split, string[]>;
  benign: Record<Split, string[]>;
}

function pools(p: Pack): Pools {
  const by = (list: string[], name: string): Record<Split, string[]> => {
    const out: Record<Split, string[]> = { train: [], val: [], test: [] };
    list.forEach((s, i) => out[name === 'carriers' ? (i % 2 ? 'test' : 'train') : splitOf(`${p.lang}/${name}/${i}`)].push(s));
    out.val = out.val.length ? out.val : out.train;
    return out;
  };
  const carriers = by(p.carriers, 'carriers');
  carriers.val = carriers.train;
  return { carriers, benign: by(p.benign, 'benign') };
}

function pick<T>(list: readonly T[], r: () => number): T {
  return list[Math.floor(r() * list.length)]!;
}

function injectionRows(p: Pack, pl: Pools, r: () => number): CorpusRow[] {
  const rows: CorpusRow[] = [];
  for (const intent of INTENTS) {
    (p.injection[intent] ?? []).forEach((t, i) => {
      const split = splitOf(`${p.lang}/injection.${intent}/${i}`);
      const row = (text: string, kind: string) => rows.push({ text, label: 'injection', lang: p.lang, split, kind: `${intent}.${kind}` });
      const c = pl.carriers[split];
      row(fill(t, r), 'alone');
      row(fill(join2(pick(c, r), t), r), 'after-note');
      if (i % 2 === 0) row(fill(join2(t, pick(c, r)), r), 'before-note');
      if (i % 3 === 0) row(fill([pick(pl.benign[split], r), pick(c, r), t, pick(c, r)].reduce(join2), r), 'long-note');
    });
  }
  return rows;
}

function benignRows(p: Pack, pl: Pools, r: () => number): CorpusRow[] {
  const rows: CorpusRow[] = [];
  p.hard_negative.forEach((t, i) => {
    const split = splitOf(`${p.lang}/hard_negative/${i}`);
    rows.push({ text: fill(t, r), label: 'benign', lang: p.lang, split, kind: 'hard-negative.alone' });
    rows.push({ text: fill(join2(pick(pl.carriers[split], r), t), r), label: 'benign', lang: p.lang, split, kind: 'hard-negative.in-note' });
    if (i % 3 === 0)
      rows.push({
        text: fill([pick(pl.benign[split], r), t, pick(pl.carriers[split], r)].reduce(join2), r),
        label: 'benign',
        lang: p.lang,
        split,
        kind: 'hard-negative.long-note',
      });
  });
  p.benign.forEach((t, i) => {
    const split = splitOf(`${p.lang}/benign/${i}`);
    rows.push({ text: fill(t, r), label: 'benign', lang: p.lang, split, kind: 'benign.alone' });
    if (i % 2 === 0) rows.push({ text: fill(join2(t, pick(pl.carriers[split], r)), r), label: 'benign', lang: p.lang, split, kind: 'benign.in-note' });
    if (i % 3 === 0)
      rows.push({
        text: fill([t, pick(pl.benign[split], r), pick(pl.benign[split], r)].reduce(join2), r),
        label: 'benign',
        lang: p.lang,
        split,
        kind: 'benign.long-note',
      });
  });
  return rows;
}

export function loadPacks(dir: string): Pack[] {
  const packs: Pack[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Pack;
    const { errors } = checkPack(p) as { errors: string[] };
    if (errors.length) throw new Error(`${f}: ${errors.join('; ')}`);
    packs.push(p);
  }
  return packs;
}

export function generate(packs: readonly Pack[]): CorpusRow[] {
  const rows: CorpusRow[] = [];
  for (const p of packs) {
    const r = rng(h32(`fill:${p.lang}`));
    const pl = pools(p);
    rows.push(...injectionRows(p, pl, r), ...benignRows(p, pl, r));
  }
  return rows;
}

if (process.argv[1]?.endsWith('gen-corpus.ts')) {
  const root = new URL('../../', import.meta.url).pathname;
  const rows = generate(loadPacks(join(root, 'scripts/injection/langs')));
  writeFileSync(join(root, 'bench/corpus/injection-ml.jsonl'), rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const by = (k: (x: CorpusRow) => string) => rows.reduce<Record<string, number>>((a, x) => ((a[k(x)] = (a[k(x)] ?? 0) + 1), a), {});
  console.log(
    JSON.stringify({ texts: rows.length, languages: Object.keys(by((x) => x.lang)).length, bySplit: by((x) => x.split), byLabel: by((x) => x.label) }),
  );
}
