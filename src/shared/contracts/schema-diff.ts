// The contract compatibility check ("schema guardian"): what changed between two JSON Schemas of
// one contract, each change classified breaking or not. Pure (no node:, no DOM): the app, the
// sealing tools and the sync server share it. Breaking means: some value the old schema accepts
// is refused by the new one (an item captured and queued under the old version would no longer
// validate). Fail-closed: a change the rules below cannot prove harmless counts as breaking and
// says so (kind `unknown-change`). Rules and reasons: docs/decisions/0017-contract-compatibility.md.
import { canonicalJson } from '../canonical';
import { msg, type Message, type MessageParams } from '../messages';
import { changeReasonText, type ChangeReason } from './change-reasons';
import { I18N_ANNOTATION, LOCALE_ANNOTATION, MESSAGES_ANNOTATION, TITLE_ANNOTATION, WIDGET_ANNOTATION } from '../contract-annotations';

export type SchemaChangeKind =
  | 'schema-false'
  | 'type-narrowed'
  | 'type-widened'
  | 'enum-narrowed'
  | 'enum-added'
  | 'enum-widened'
  | 'enum-removed'
  | 'const-added'
  | 'const-changed'
  | 'const-removed'
  | 'range-narrowed'
  | 'range-widened'
  | 'multiple-of-changed'
  | 'pattern-added'
  | 'pattern-changed'
  | 'pattern-removed'
  | 'format-added'
  | 'format-changed'
  | 'format-removed'
  | 'content-changed'
  | 'unique-items-added'
  | 'unique-items-removed'
  | 'required-added'
  | 'required-removed'
  | 'property-added'
  | 'property-removed'
  | 'property-renamed'
  | 'additional-properties-closed'
  | 'additional-properties-opened'
  | 'annotation-changed'
  | 'unknown-change';

export interface SchemaChange {
  /** Where in the data: `/location/lat`, `/readings/[]/unit` (array items), `/tags/{*}` (additional properties). */
  path: string;
  kind: SchemaChangeKind;
  before: unknown;
  after: unknown;
  breaking: boolean;
  /** One plain sentence: what changed and why it is or is not breaking (English: logs, CLI output). */
  reason: string;
  /** The same as a message (`refusals.change.<key>` with its params): what the UI shows, in the reader's language. */
  why: Message;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => (a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b));

/** Keywords that never change which values validate (annotations and identifiers). */
const ANNOTATIONS = new Set([
  'title',
  'description',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$schema',
  '$id',
  '$anchor',
  WIDGET_ANNOTATION,
  // which fields name the record to a reviewer: nothing about which values validate
  TITLE_ANNOTATION,
  // whether a photo keeps its GPS metadata: what is stored, not which values validate
  'x-maestro-keep-location',
  // the words shown for a failed check: not which values validate
  MESSAGES_ANNOTATION,
  // translations of the words (titles, help, enum labels, messages) and their default locale: what is shown, not which values validate
  I18N_ANNOTATION,
  LOCALE_ANNOTATION,
]);
/** Keywords compared by a rule of their own below; anything else falls to the fail-closed rule. */
const HANDLED = new Set([
  'x-maestro-max-bytes',
  'type',
  'enum',
  'const',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'pattern',
  'format',
  'contentMediaType',
  'contentEncoding',
  'uniqueItems',
  'required',
  'properties',
  'additionalProperties',
  'items',
  '$defs',
  'definitions',
]);

interface Side {
  root: unknown;
}
interface Ctx {
  before: Side;
  after: Side;
  out: SchemaChange[];
  /** Pairs of $ref chains being compared on the current path (recursive schemas end here). */
  seen: Set<string>;
}

/** Every change from `before` to `after` (both whole JSON Schemas), breaking ones and harmless ones. */
export function diffSchemas(before: unknown, after: unknown): SchemaChange[] {
  const ctx: Ctx = { before: { root: before }, after: { root: after }, out: [], seen: new Set() };
  compare(ctx, before, after, '');
  return ctx.out;
}

/** Only the changes that make a minor or patch version refused. */
export const breakingChanges = (changes: readonly SchemaChange[]): SchemaChange[] => changes.filter((c) => c.breaking);

function add(
  ctx: Ctx,
  path: string,
  kind: SchemaChangeKind,
  before: unknown,
  after: unknown,
  breaking: boolean,
  key: ChangeReason,
  p: MessageParams = {},
): void {
  const why = msg(`refusals.change.${key}`, p);
  ctx.out.push({ path: path || '/', kind, before: before ?? null, after: after ?? null, breaking, reason: changeReasonText(key, p), why });
}

/** A local `$ref` ("#/$defs/x", "#/definitions/x", "#") resolved against its own document; undefined when it is not local. */
function resolveRef(root: unknown, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObj(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/**
 * A schema with a local `$ref` and nothing but annotations beside it is its target (followed
 * until a schema without `$ref`). Returns the schema and the chain of refs followed; a schema whose
 * `$ref` is not local, or has validating keywords beside it, is returned as it is.
 */
function deref(side: Side, s: unknown): { schema: unknown; refs: string[] } {
  const refs: string[] = [];
  let cur = s;
  while (isObj(cur) && typeof cur.$ref === 'string' && !refs.includes(cur.$ref)) {
    const siblings = Object.keys(cur).filter((k) => k !== '$ref' && !ANNOTATIONS.has(k) && k !== '$defs' && k !== 'definitions');
    const target = resolveRef(side.root, cur.$ref);
    if (siblings.length || target === undefined) break;
    refs.push(cur.$ref);
    cur = target;
  }
  return { schema: cur, refs };
}

/** Structural equality with local `$ref`s followed on each side (recursive refs end on a seen pair). */
function equalResolved(ctx: Ctx, a: unknown, b: unknown, seen = new Set<string>()): boolean {
  const ra = isObj(a) && typeof a.$ref === 'string' ? resolveRef(ctx.before.root, a.$ref) : undefined;
  const rb = isObj(b) && typeof b.$ref === 'string' ? resolveRef(ctx.after.root, b.$ref) : undefined;
  if (isObj(a) && isObj(b) && typeof a.$ref === 'string' && typeof b.$ref === 'string') {
    const key = `${a.$ref}|${b.$ref}`;
    if (!seen.has(key)) {
      seen.add(key);
      if (ra === undefined || rb === undefined ? a.$ref !== b.$ref : !equalResolved(ctx, ra, rb, seen)) return false;
    }
    const { $ref: _a, ...restA } = a;
    const { $ref: _b, ...restB } = b;
    return equalResolved(ctx, restA, restB, seen);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equalResolved(ctx, x, b[i], seen));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return same(ka, kb) && ka.every((k) => equalResolved(ctx, a[k], b[k], seen));
  }
  return same(a, b);
}

function compare(ctx: Ctx, rawBefore: unknown, rawAfter: unknown, path: string): void {
  const b = deref(ctx.before, rawBefore);
  const a = deref(ctx.after, rawAfter);
  // Pairs of definitions being compared further up this path: a recursive schema ends here.
  const key = b.refs.length || a.refs.length ? `${b.refs.join('>')}|${a.refs.join('>')}` : null;
  if (key && ctx.seen.has(key)) return;
  if (key) ctx.seen.add(key);
  try {
    compareResolved(ctx, b.schema, a.schema, path);
  } finally {
    if (key) ctx.seen.delete(key);
  }
}

function compareResolved(ctx: Ctx, before: unknown, after: unknown, path: string): void {
  // Equal with refs followed (raw equality is not enough: a $ref deeper down may point at a changed $defs entry).
  if (equalResolved(ctx, before, after)) return;
  if (after === false) return before === false ? undefined : add(ctx, path, 'schema-false', before, after, true, 'schema_false');
  if (before === false || after === true) return; // nothing was accepted before, or everything is now
  if ((before !== true && !isObj(before)) || !isObj(after)) return add(ctx, path, 'unknown-change', before, after, true, 'not_schema');
  compareKeywords(ctx, before === true ? {} : before, after, path);
}

function compareKeywords(ctx: Ctx, b: Obj, a: Obj, path: string): void {
  compareType(ctx, b.type, a.type, path);
  compareEnum(ctx, b, a, path);
  compareConst(ctx, b, a, path);
  compareBounds(ctx, b, a, path);
  compareMultipleOf(ctx, b.multipleOf, a.multipleOf, path);
  compareStringConstraint(ctx, 'pattern', b.pattern, a.pattern, path);
  compareStringConstraint(ctx, 'format', b.format, a.format, path);
  for (const k of ['contentMediaType', 'contentEncoding'] as const)
    if (!same(b[k], a[k]))
      add(ctx, path, 'content-changed', b[k], a[k], a[k] !== undefined, a[k] === undefined ? 'content_removed' : 'content_changed', { keyword: k });
  if (b.uniqueItems !== true && a.uniqueItems === true) add(ctx, path, 'unique-items-added', b.uniqueItems, true, true, 'unique_added');
  if (b.uniqueItems === true && a.uniqueItems !== true) add(ctx, path, 'unique-items-removed', true, a.uniqueItems, false, 'unique_removed');
  compareObject(ctx, b, a, path);
  if (b.items !== undefined || a.items !== undefined) compareItems(ctx, b.items, a.items, path);
  for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (HANDLED.has(k) || same(b[k], a[k])) continue;
    // A $ref left here is not local or has validating keywords beside it: equal only when its targets are.
    if (k === '$ref' ? equalResolved(ctx, { $ref: b.$ref }, { $ref: a.$ref }) : false) continue;
    if (ANNOTATIONS.has(k)) add(ctx, path, 'annotation-changed', b[k], a[k], false, 'annotation', { keyword: k });
    else if (!equalResolved(ctx, b[k], a[k])) add(ctx, path, 'unknown-change', b[k], a[k], true, 'unknown_keyword', { keyword: k });
  }
}

const ALL_TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];

function typeSet(t: unknown): string[] | null {
  if (t === undefined) return ALL_TYPES;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t) && t.every((x) => typeof x === 'string')) return [...(t as string[])].sort();
  return null;
}

function compareType(ctx: Ctx, bt: unknown, at: unknown, path: string): void {
  if (same(bt, at)) return;
  const b = typeSet(bt);
  const a = typeSet(at);
  if (!b || !a) return add(ctx, path, 'unknown-change', bt, at, true, 'type_invalid');
  const covered = (t: string) => a.includes(t) || (t === 'integer' && a.includes('number'));
  const lost = b.filter((t) => !covered(t));
  if (lost.length) add(ctx, path, 'type-narrowed', bt, at, true, 'type_narrowed', { types: lost.join(', ') });
  else if (!same(b, a)) add(ctx, path, 'type-widened', bt, at, false, 'type_widened');
}

function compareEnum(ctx: Ctx, b: Obj, a: Obj, path: string): void {
  if (same(b.enum, a.enum)) return;
  if (!Array.isArray(a.enum)) {
    if (a.enum === undefined) return add(ctx, path, 'enum-removed', b.enum, undefined, false, 'enum_removed');
    return add(ctx, path, 'unknown-change', b.enum, a.enum, true, 'enum_invalid');
  }
  if (b.enum === undefined) return add(ctx, path, 'enum-added', undefined, a.enum, true, 'enum_added', { n: a.enum.length });
  if (!Array.isArray(b.enum)) return add(ctx, path, 'unknown-change', b.enum, a.enum, true, 'enum_was_invalid');
  const after = new Set(a.enum.map((v) => canonicalJson(v)));
  const removed = b.enum.filter((v) => !after.has(canonicalJson(v)));
  if (removed.length) add(ctx, path, 'enum-narrowed', removed, undefined, true, 'enum_narrowed', { values: removed.map((v) => JSON.stringify(v)).join(', ') });
  else add(ctx, path, 'enum-widened', b.enum, a.enum, false, 'enum_widened');
}

function compareConst(ctx: Ctx, b: Obj, a: Obj, path: string): void {
  const hb = Object.hasOwn(b, 'const');
  const ha = Object.hasOwn(a, 'const');
  if (hb && ha && same(b.const, a.const)) return;
  if (!hb && ha) add(ctx, path, 'const-added', undefined, a.const, true, 'const_added', { value: String(JSON.stringify(a.const)) });
  else if (hb && ha) add(ctx, path, 'const-changed', b.const, a.const, true, 'const_changed');
  else if (hb) add(ctx, path, 'const-removed', b.const, undefined, false, 'const_removed');
}

type Bound = { v: number; excl: boolean } | null;

/** The effective lower (or upper) bound from the inclusive and the exclusive keyword; undefined when one is not a number. */
function bound(s: Obj, incl: string, excl: string, lower: boolean): Bound | undefined {
  const i = s[incl];
  const e = s[excl];
  if ((i !== undefined && typeof i !== 'number') || (e !== undefined && typeof e !== 'number')) return undefined;
  const cands: { v: number; excl: boolean }[] = [];
  if (typeof i === 'number') cands.push({ v: i, excl: false });
  if (typeof e === 'number') cands.push({ v: e, excl: true });
  if (!cands.length) return null;
  const stricter = (x: { v: number; excl: boolean }, y: { v: number; excl: boolean }) =>
    lower ? x.v > y.v || (x.v === y.v && x.excl) : x.v < y.v || (x.v === y.v && x.excl);
  return cands.reduce((best, c) => (stricter(c, best) ? c : best));
}

/** true when bound `a` accepts less than bound `b` on its side. */
function narrower(b: Bound, a: Bound, lower: boolean): boolean {
  if (!a) return false;
  if (!b) return true;
  if (lower ? a.v > b.v : a.v < b.v) return true;
  return a.v === b.v && a.excl && !b.excl;
}

const BOUND_PAIRS: [string, string, boolean][] = [
  ['minimum', 'exclusiveMinimum', true],
  ['maximum', 'exclusiveMaximum', false],
  ['minLength', '', true],
  ['maxLength', '', false],
  ['minItems', '', true],
  ['maxItems', '', false],
  ['minProperties', '', true],
  ['maxProperties', '', false],
  // an attachment field's size cap (capture): lower refuses files a queued record may hold
  ['x-maestro-max-bytes', '', false],
];

function compareBounds(ctx: Ctx, b: Obj, a: Obj, path: string): void {
  for (const [incl, excl, lower] of BOUND_PAIRS) {
    const keys = excl ? [incl, excl] : [incl];
    if (keys.every((k) => same(b[k], a[k]))) continue;
    const pick = (s: Obj) => Object.fromEntries(keys.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
    const bb = bound(b, incl, excl || '\0', lower);
    const ab = bound(a, incl, excl || '\0', lower);
    if (bb === undefined || ab === undefined) {
      add(ctx, path, 'unknown-change', pick(b), pick(a), true, 'bound_invalid', { keywords: keys.join('/') });
      continue;
    }
    const word = lower ? 'lower' : 'upper';
    if (narrower(bb, ab, lower)) add(ctx, path, 'range-narrowed', pick(b), pick(a), true, 'bound_stricter', { side: word, keyword: incl });
    else add(ctx, path, 'range-widened', pick(b), pick(a), false, 'bound_looser', { side: word, keyword: incl });
  }
}

function compareMultipleOf(ctx: Ctx, b: unknown, a: unknown, path: string): void {
  if (same(b, a) || a === undefined) {
    if (!same(b, a)) add(ctx, path, 'multiple-of-changed', b, a, false, 'multiple_removed');
    return;
  }
  // Every multiple of b is a multiple of a exactly when b / a is a whole number.
  const ok = typeof b === 'number' && typeof a === 'number' && a > 0 && Number.isInteger(b / a);
  add(ctx, path, 'multiple-of-changed', b, a, !ok, ok ? 'multiple_kept' : 'multiple_changed');
}

function compareStringConstraint(ctx: Ctx, k: 'pattern' | 'format', b: unknown, a: unknown, path: string): void {
  if (same(b, a)) return;
  if (a === undefined) return add(ctx, path, `${k}-removed`, b, a, false, 'constraint_removed', { keyword: k });
  if (b === undefined) return add(ctx, path, `${k}-added`, b, a, true, 'constraint_added', { keyword: k, value: String(JSON.stringify(a)) });
  add(ctx, path, `${k}-changed`, b, a, true, 'constraint_changed', { keyword: k });
}

const child = (path: string, name: string) => `${path}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;

function compareObject(ctx: Ctx, b: Obj, a: Obj, path: string): void {
  compareRequired(ctx, b.required, a.required, path);
  const bp = isObj(b.properties) ? b.properties : {};
  const ap = isObj(a.properties) ? a.properties : {};
  if ((b.properties !== undefined && !isObj(b.properties)) || (a.properties !== undefined && !isObj(a.properties)))
    return add(ctx, path, 'unknown-change', b.properties, a.properties, true, 'properties_invalid');
  const removed = Object.keys(bp).filter((k) => !Object.hasOwn(ap, k));
  const added = Object.keys(ap).filter((k) => !Object.hasOwn(bp, k));
  for (const k of Object.keys(bp)) if (Object.hasOwn(ap, k)) compare(ctx, bp[k], ap[k], child(path, k));
  // One field gone and one new with the same definition: a rename.
  if (removed.length === 1 && added.length === 1 && equalResolved(ctx, bp[removed[0]!], ap[added[0]!])) {
    add(ctx, path, 'property-renamed', removed[0], added[0], true, 'renamed', { from: removed[0]!, to: added[0]! });
    return compareAdditional(ctx, b, a, path);
  }
  for (const k of removed) add(ctx, child(path, k), 'property-removed', bp[k], undefined, true, 'property_removed', { field: k });
  for (const k of added) compareAddedProperty(ctx, b, ap[k], child(path, k), k);
  compareAdditional(ctx, b, a, path);
}

function compareRequired(ctx: Ctx, b: unknown, a: unknown, path: string): void {
  if (same(b, a)) return;
  const list = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : v === undefined ? [] : null);
  const bl = list(b);
  const al = list(a);
  if (!bl || !al) return add(ctx, path, 'unknown-change', b, a, true, 'required_invalid');
  for (const k of al.filter((x) => !bl.includes(x))) add(ctx, child(path, k), 'required-added', false, true, true, 'required_added', { field: k });
  for (const k of bl.filter((x) => !al.includes(x))) add(ctx, child(path, k), 'required-removed', true, false, false, 'required_removed', { field: k });
}

/** A new optional field is harmless when the old schema refused that name (closed object) or accepted only what the new one does. */
function compareAddedProperty(ctx: Ctx, b: Obj, schema: unknown, path: string, name: string): void {
  const extra = b.additionalProperties;
  if (extra === false) return add(ctx, path, 'property-added', undefined, schema, false, 'property_added', { field: name });
  const before = extra === undefined || extra === true ? {} : extra;
  const n = ctx.out.length;
  compare(ctx, before, schema, path);
  const narrowed = ctx.out.slice(n).some((c) => c.breaking);
  ctx.out.splice(n);
  add(ctx, path, 'property-added', undefined, schema, narrowed, narrowed ? 'property_constrains' : 'property_added', { field: name });
}

function compareAdditional(ctx: Ctx, b: Obj, a: Obj, path: string): void {
  const be = b.additionalProperties;
  const ae = a.additionalProperties;
  if (same(be, ae) && !isObj(be)) return;
  const open = (v: unknown) => v === undefined || v === true;
  if (ae === false && be !== false) return add(ctx, path, 'additional-properties-closed', be, ae, true, 'extra_closed');
  if (open(ae) && !open(be)) return add(ctx, path, 'additional-properties-opened', be, ae, false, 'extra_opened');
  if (be === false) return add(ctx, path, 'additional-properties-opened', be, ae, false, 'extra_some');
  compare(ctx, open(be) ? {} : be, open(ae) ? {} : ae, `${path}/{*}`);
}

function compareItems(ctx: Ctx, b: unknown, a: unknown, path: string): void {
  if (Array.isArray(b) || Array.isArray(a)) {
    if (!equalResolved(ctx, b, a)) add(ctx, path, 'unknown-change', b, a, true, 'tuple_changed');
    return;
  }
  compare(ctx, b === undefined ? {} : b, a === undefined ? {} : a, `${path}/[]`);
}
