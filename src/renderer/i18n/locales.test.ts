// Every locale has every key English has (and no other), each message is valid ICU for its
// language, and uses the same arguments as the English one; the language choice follows the OS
// until one is chosen, and Arabic lays the document out right to left.
import { describe, expect, it } from 'vitest';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { IntlMessageFormat } from 'intl-messageformat';
import { bundledResources, LOCALES, osLocale, initI18n, i18next } from './index';

type Messages = { [k: string]: string | Messages };
function flatten(m: Messages, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

function args(els: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const e of els) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time) into.add(e.value);
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      into.add(e.value);
      for (const o of Object.values(e.options)) args(o.value, into);
    }
    if (e.type === TYPE.tag) {
      into.add(`<${e.value}>`);
      args(e.children, into);
    }
  }
  return into;
}

const res = bundledResources();

describe('locales', () => {
  it('ship English, Swedish, French, Spanish, Swahili and Arabic, each with every namespace', () => {
    expect(Object.keys(res).sort()).toEqual([...LOCALES].sort());
    const ns = Object.keys(res.en!).sort();
    expect(ns).toContain('common');
    for (const l of LOCALES) expect(Object.keys(res[l]!).sort(), l).toEqual(ns);
  });

  for (const l of LOCALES.filter((x) => x !== 'en')) {
    it(`${l}: the same keys as English, valid ICU, the same arguments`, () => {
      const problems: string[] = [];
      for (const [ns, en] of Object.entries(res.en!)) {
        const want = flatten(en);
        const got = flatten(res[l]![ns] ?? {});
        for (const k of want.keys()) if (!got.has(k)) problems.push(`missing ${ns}:${k}`);
        for (const k of got.keys()) if (!want.has(k)) problems.push(`extra ${ns}:${k}`);
        for (const [k, msg] of got) {
          const src = want.get(k);
          if (src === undefined) continue;
          try {
            const a = args(parse(msg));
            const b = args(parse(src));
            if ([...a].sort().join() !== [...b].sort().join()) problems.push(`arguments differ ${ns}:${k}: ${[...a].join()} vs ${[...b].join()}`);
            new IntlMessageFormat(msg, l, undefined, { ignoreTag: true }).format(
              Object.fromEntries([...b].filter((x) => !x.startsWith('<')).map((x) => [x, 2])),
            );
          } catch (e) {
            problems.push(`invalid ${ns}:${k}: ${(e as Error).message}`);
          }
          if (!msg.trim()) problems.push(`empty ${ns}:${k}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('English messages are valid ICU', () => {
    for (const [ns, en] of Object.entries(res.en!)) for (const [k, msg] of flatten(en)) expect(() => parse(msg), `${ns}:${k}`).not.toThrow();
  });

  it('follows the OS language, by its base language, else English', () => {
    expect(osLocale(['sv-SE', 'en-US'])).toBe('sv');
    expect(osLocale(['de-DE', 'ar-EG'])).toBe('ar');
    expect(osLocale(['de-DE'])).toBe('en');
    expect(osLocale([])).toBe('en');
  });

  it('renders plurals by each language’s rules and Arabic right to left', async () => {
    initI18n('en');
    expect(i18next.t('count.items', { n: 1 })).toBe('1 item');
    expect(i18next.t('count.items', { n: 3 })).toBe('3 items');
    await i18next.changeLanguage('ar');
    expect(i18next.dir()).toBe('rtl');
    expect(i18next.t('count.items', { n: 2 })).toBe('عنصران');
    await i18next.changeLanguage('fr');
    expect(i18next.t('count.items', { n: 0 })).toBe('0 élément');
    expect(i18next.dir()).toBe('ltr');
  });
});
