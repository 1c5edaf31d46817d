// Counts people read have their noun in the right form: "1 item", never "1 items" (issue 17), in
// every language. Read off the i18n messages themselves (src/renderer/i18n/locales/<l>/*.json, every
// namespace there is):
// - English: a number argument followed by a plural noun ("{n} items", "{total, number} entries",
//   "{done} of {total} steps") must be an ICU plural instead. A number argument is one formatted as a
//   number or a plural anywhere in the message, or named like a count (n, count, total, max, …, or a
//   plural word: tokens, hours); a plural noun is a word of 4+ letters ending in a single s, not
//   followed by "/" (a unit such as tokens/s). Inside a plural's branches the form is already chosen
//   by a count (its own, or a formatted one: "{n, plural, one {{days} day} other {{days} days}}").
// - Arabic: every plural has the forms Arabic needs (zero, one, two, few, many, other), and where the
//   English message is a plural, the Arabic one is a plural of the same argument too, or shows the
//   count as a number on its own ("عدد …: {n, number}", which needs no agreement).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';

const LOCALES = join(__dirname, '../../src/renderer/i18n/locales');
const ARABIC_FORMS = ['zero', 'one', 'two', 'few', 'many', 'other'];
const COUNT_NAME = /^(?:n|count|total|max|min|done|sent|\w*(?:Count|Total)|[a-z]{2,}[^s]s)$/;
const PLURAL_NOUN = /^[ \u00a0]+([A-Za-z]{2,}[^s\W]s)\b(?!\/)/;

type Messages = { [k: string]: string | Messages };
function flatten(m: Messages, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

/** Every message of a locale, as `namespace:key`. */
function messages(locale: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(join(LOCALES, locale)).filter((n) => n.endsWith('.json'))) {
    const ns = f.replace(/\.json$/, '');
    for (const [k, v] of flatten(JSON.parse(readFileSync(join(LOCALES, locale, f), 'utf8')) as Messages)) out.set(`${ns}:${k}`, v);
  }
  return out;
}

/** Every element of a message, nested ones included, with the plural arguments around it. */
function* elements(
  els: MessageFormatElement[],
  plurals: readonly string[] = [],
): Generator<[MessageFormatElement, number, MessageFormatElement[], readonly string[]]> {
  for (let i = 0; i < els.length; i++) {
    const e = els[i]!;
    yield [e, i, els, plurals];
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      const inner = e.type === TYPE.plural ? [...plurals, e.value] : plurals;
      for (const o of Object.values(e.options)) yield* elements(o.value, inner);
    }
    if (e.type === TYPE.tag) yield* elements(e.children, plurals);
  }
}

/** The "{n} nouns" of an English message (empty when every count agrees with its noun). */
function countsWithoutPlural(message: string): string[] {
  const ast = parse(message, { ignoreTag: true });
  const numeric = new Set<string>();
  for (const [e] of elements(ast)) if (e.type === TYPE.number || e.type === TYPE.plural) numeric.add(e.value);
  const found: string[] = [];
  for (const [e, i, els, plurals] of elements(ast)) {
    if (e.type !== TYPE.argument && e.type !== TYPE.number) continue;
    if (plurals.length || !(numeric.has(e.value) || COUNT_NAME.test(e.value))) continue;
    const next = els[i + 1];
    const noun = next?.type === TYPE.literal ? PLURAL_NOUN.exec(next.value) : null;
    if (noun) found.push(`{${e.value}} ${noun[1]}`);
  }
  return found;
}

/** What is wrong with an Arabic message, given its English one. */
function arabicProblems(arabic: string, english: string): string[] {
  const problems: string[] = [];
  const ar = [...elements(parse(arabic, { ignoreTag: true }))].map(([e]) => e);
  for (const e of ar) {
    if (e.type !== TYPE.plural || e.pluralType === 'ordinal') continue;
    const missing = ARABIC_FORMS.filter((f) => !(f in e.options));
    if (missing.length) problems.push(`{${e.value}, plural} lacks ${missing.join(', ')}`);
  }
  for (const [e] of elements(parse(english, { ignoreTag: true }))) {
    if (e.type !== TYPE.plural || e.pluralType === 'ordinal') continue;
    if (!ar.some((a) => (a.type === TYPE.plural || a.type === TYPE.number) && a.value === e.value))
      problems.push(`{${e.value}} is a plural in English, not here`);
  }
  return problems;
}

describe('plural forms in the i18n messages', () => {
  it('the checks catch what they look for', () => {
    expect(countsWithoutPlural('{n} files')).toEqual(['{n} files']);
    expect(countsWithoutPlural('{done} of {total} steps')).toEqual(['{total} steps']);
    expect(countsWithoutPlural('· {n, number} bytes')).toEqual(['{n} bytes']);
    expect(countsWithoutPlural('{tokens} tokens used')).toEqual(['{tokens} tokens']);
    expect(countsWithoutPlural('{state, select, ok {{count} entries} other {none}}')).toEqual(['{count} entries']);
    expect(countsWithoutPlural('{n, plural, one {# file} other {{n} files}} in {m, number} folders')).toEqual(['{m} folders']);
    for (const fine of [
      '{n, plural, one {# file} other {# files}}',
      '{name} needs a reviewer',
      '{n} shown',
      '{n} tokens/s',
      '{ms} ms',
      '{hours} h',
      'Steps: {n}',
      '{roles} for this team',
    ])
      expect(countsWithoutPlural(fine), fine).toEqual([]);

    const en = '{n, plural, one {# day} other {# days}}';
    expect(arabicProblems('{n, plural, zero {# يوم} one {يوم واحد} two {يومان} few {# أيام} many {# يومًا} other {# يوم}}', en)).toEqual([]);
    expect(arabicProblems('{n, plural, one {يوم واحد} other {# يوم}}', en)).toEqual(['{n, plural} lacks zero, two, few, many']);
    expect(arabicProblems('عدد الأيام: {n, number}', en)).toEqual([]);
    expect(arabicProblems('{n} يوم', en)).toEqual(['{n} is a plural in English, not here']);
  });

  it('every English count next to a plural noun is an ICU plural', () => {
    const found: string[] = [];
    for (const [key, msg] of messages('en')) for (const c of countsWithoutPlural(msg)) found.push(`${key}: ${c}`);
    expect(found).toEqual([]);
  });

  it('every Arabic plural has zero, one, two, few, many and other; English plurals stay plurals in Arabic', () => {
    const en = messages('en');
    const found: string[] = [];
    for (const [key, msg] of messages('ar')) for (const p of arabicProblems(msg, en.get(key) ?? '')) found.push(`${key}: ${p}`);
    expect(found).toEqual([]);
  });
});
