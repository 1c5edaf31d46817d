// A contract's words in the user's language (docs/decisions/0031-contracts-in-several-languages.md).
// `localizeSchema` turns a contract schema into the one the form renders: each node's `title`,
// `description`, `help`, enum labels and author messages picked from `x-maestro-i18n` by the user's
// language, then its base language, then the contract's default locale (`x-maestro-locale`, else
// `en`), then the plain JSON Schema words. Values (`enum`, `const`, `default`) stay as they are: only
// what is shown changes. A contract without translations renders exactly as before.
import type { ContractDoc } from '../../../../shared/api/types';
import {
  DEFAULT_CONTRACT_LOCALE,
  I18N_ANNOTATION,
  LOCALE_ANNOTATION,
  MESSAGES_ANNOTATION,
  SUBSCHEMA_KEYWORDS,
  localeChain,
  type LocaleWords,
} from '../../../../shared/contract-annotations';
import { isPlainObject, type JsonSchema } from './json-schema';

type AuthorMessages = NonNullable<JsonSchema['x-maestro-messages']>;

/** The node's words for each locale of the chain that it has, best first. */
function wordsFor(s: JsonSchema, chain: readonly string[]): LocaleWords[] {
  const all = s[I18N_ANNOTATION];
  if (!isPlainObject(all)) return [];
  return chain.map((l) => all[l]).filter((w): w is LocaleWords => isPlainObject(w));
}

/** An `x-maestro-messages` entry with no text for the chain: one text as it is, else its `en`, else its first. */
function plainMessage(m: AuthorMessages[string] | undefined): string | undefined {
  if (typeof m === 'string') return m;
  if (!isPlainObject(m)) return undefined;
  const pick = m.en ?? Object.values(m)[0];
  return typeof pick === 'string' ? pick : undefined;
}

/** Author messages by keyword, each in the language in use: `x-maestro-i18n` messages, then per-locale `x-maestro-messages`, locale by locale. */
function localizeMessages(s: JsonSchema, chain: readonly string[]): AuthorMessages | undefined {
  const own = s[MESSAGES_ANNOTATION] ?? {};
  const i18n = isPlainObject(s[I18N_ANNOTATION]) ? s[I18N_ANNOTATION] : {};
  const keywords = new Set([...Object.keys(own), ...Object.values(i18n).flatMap((w) => Object.keys(w.messages ?? {}))]);
  if (keywords.size === 0) return undefined;
  const out: Record<string, string> = {};
  for (const k of keywords) {
    const perLocale = chain.map((l) => i18n[l]?.messages?.[k] ?? (isPlainObject(own[k]) ? own[k][l] : undefined));
    const text = perLocale.find((x) => typeof x === 'string') ?? plainMessage(own[k]);
    if (text !== undefined) out[k] = text;
  }
  return Object.keys(out).length ? out : undefined;
}

function localizeNode(s: JsonSchema, chain: readonly string[]): JsonSchema {
  const words = wordsFor(s, chain);
  const out: JsonSchema = { ...s };
  delete out[I18N_ANNOTATION];
  const title = words.find((w) => w.title)?.title ?? s.title;
  const description = words.find((w) => w.description)?.description ?? s.description;
  const help = words.find((w) => w.help)?.help;
  if (title !== undefined) out.title = title;
  if (description !== undefined) out.description = description;
  if (help !== undefined) out.help = help;
  if (Array.isArray(s.enum) && words.some((w) => w.enum)) {
    out.enumLabels = s.enum.map((v) => words.find((w) => w.enum?.[String(v)])?.enum?.[String(v)] ?? String(v));
  }
  const messages = localizeMessages(s, chain);
  if (messages) out[MESSAGES_ANNOTATION] = messages;
  const loose = out as Record<string, unknown>;
  for (const k of SUBSCHEMA_KEYWORDS.one) if (isPlainObject(loose[k])) loose[k] = localizeNode(loose[k] as JsonSchema, chain);
  for (const k of SUBSCHEMA_KEYWORDS.map) {
    const m = loose[k];
    if (isPlainObject(m)) loose[k] = Object.fromEntries(Object.entries(m).map(([n, v]) => [n, isPlainObject(v) ? localizeNode(v as JsonSchema, chain) : v]));
  }
  for (const k of SUBSCHEMA_KEYWORDS.list) {
    const l = loose[k];
    if (Array.isArray(l)) loose[k] = l.map((v) => (isPlainObject(v) ? localizeNode(v as JsonSchema, chain) : v));
  }
  return out;
}

/** The locale the contract's plain words are in (its root's `x-maestro-locale`), `en` when it names none. */
const contractLocale = (root: JsonSchema): string => (typeof root[LOCALE_ANNOTATION] === 'string' ? root[LOCALE_ANNOTATION] : DEFAULT_CONTRACT_LOCALE);

const cache = new WeakMap<JsonSchema, Map<string, JsonSchema>>();

/** The contract schema with its words in `lang` (falling back as above); the same object for the same inputs. */
export function localizeSchema(root: JsonSchema, lang: string): JsonSchema {
  let byLang = cache.get(root);
  if (!byLang) cache.set(root, (byLang = new Map()));
  let out = byLang.get(lang);
  if (!out) byLang.set(lang, (out = localizeNode(root, localeChain(lang, contractLocale(root)))));
  return out;
}

/** A contract's title and description in `lang`: its root's translations, else the document's own. */
export function contractWords(c: ContractDoc, lang: string): { title: string; description?: string } {
  const root = c.schema as JsonSchema;
  const words = wordsFor(root, localeChain(lang, contractLocale(root)));
  const description = words.find((w) => w.description)?.description ?? c.description;
  return { title: words.find((w) => w.title)?.title ?? c.title, ...(description !== undefined ? { description } : {}) };
}
