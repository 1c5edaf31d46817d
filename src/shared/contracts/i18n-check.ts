// The load-time check of a contract's translations (docs/decisions/0031-contracts-in-several-languages.md):
// every `x-maestro-i18n` has the right shape (ajv's meta-schema check says the same, but only as one
// line of text), its enum labels name values of the node's own `enum`, and `x-maestro-locale` sits on
// the root only. Problems come back as validation details ({path, keyword, message, params}) whose
// `path` is the JSON Pointer of the offending place in the contract's schema.
import { I18N_ANNOTATION, I18N_META_SCHEMA, LOCALE_ANNOTATION, SUBSCHEMA_KEYWORDS } from '../contract-annotations';
import { compileSchema, describeErrors, type ValidationDetail } from '../validation';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const esc = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

function subschemas(node: Obj, at: string): [unknown, string][] {
  const out: [unknown, string][] = [];
  const { one, map, list } = SUBSCHEMA_KEYWORDS;
  for (const k of one) if (k in node) out.push([node[k], `${at}/${k}`]);
  for (const k of map) if (isObj(node[k])) for (const [name, s] of Object.entries(node[k])) out.push([s, `${at}/${k}/${esc(name)}`]);
  for (const k of list) if (Array.isArray(node[k])) node[k].forEach((s, i) => out.push([s, `${at}/${k}/${i}`]));
  return out;
}

function nodeProblems(node: Obj, at: string, root: boolean, out: ValidationDetail[]): void {
  if (LOCALE_ANNOTATION in node && !root)
    out.push({ path: `${at}/${LOCALE_ANNOTATION}`, keyword: LOCALE_ANNOTATION, message: 'only the root schema names the contract locale', params: {} });
  if (!(I18N_ANNOTATION in node)) return;
  const value = node[I18N_ANNOTATION];
  const here = `${at}/${I18N_ANNOTATION}`;
  const validate = compileSchema(I18N_META_SCHEMA as unknown as Obj);
  if (!validate(value)) {
    for (const d of describeErrors(validate.errors)) out.push({ ...d, path: d.path === '/' ? here : `${here}${d.path}` });
    return;
  }
  const values = Array.isArray(node.enum) ? new Set(node.enum.map(String)) : null;
  for (const [locale, words] of Object.entries(value as Record<string, { enum?: Record<string, string> }>)) {
    for (const v of Object.keys(words.enum ?? {})) {
      if (values?.has(v)) continue;
      const message = values ? `labels a value the enum does not have: ${v}` : 'enum labels on a field without an enum';
      out.push({ path: `${here}/${esc(locale)}/enum/${esc(v)}`, keyword: 'enum', message, params: { locale, value: v } });
    }
  }
}

function walk(node: unknown, at: string, root: boolean, out: ValidationDetail[]): void {
  if (!isObj(node)) return;
  nodeProblems(node, at, root, out);
  for (const [s, p] of subschemas(node, at)) walk(s, p, false, out);
}

/** Every problem with the translations of a contract schema (none: it may load). */
export function i18nProblems(schema: unknown): ValidationDetail[] {
  const out: ValidationDetail[] = [];
  walk(schema, '', true, out);
  return out;
}
