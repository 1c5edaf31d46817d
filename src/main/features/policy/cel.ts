// CEL through @bufbuild/cel: compile once (parse + plan), evaluate many times, never eval.
// Also the small helpers around it: JS values → CEL values (integers become int, other numbers
// double, objects maps), the identifier paths an expression reads, path look-up and message
// templates (a template is filled by path look-up only; it never evaluates anything).
import { celEnv, celList, celMap, isCelError, parse, plan } from '@bufbuild/cel';
// The RE2 engine @bufbuild/cel itself uses for matches() (linear time: no ReDoS from a policy
// author's pattern). The default compiles the pattern on every call; this cache compiles it once.
import { RE2JS } from '@bufbuild/re2';
import { BAIL, compileFast } from './cel-fast';

const regexCache = new Map<string, { test(text: string): boolean }>();
const re2 = {
  compile(pattern: string): { test(text: string): boolean } {
    let m = regexCache.get(pattern);
    if (!m) {
      m = searcher(pattern);
      if (regexCache.size >= 500) regexCache.clear();
      regexCache.set(pattern, m);
    }
    return m;
  },
};

/**
 * CEL's matches() is an unanchored search. For a pattern that is `^R$` with both anchors at its top
 * level, any match must start at 0 (`^` is start of text: no multi-line flag) and end at the end
 * (`$` is end of text), so the search is the same as a match of the whole text, which RE2's
 * `testExact` runs without re-entering the start state at every character (issue 20: the search
 * allocated ~100 KB per call on `^sha256:[0-9a-f]{64}$`, the whole-text match ~7 KB, and was 2×
 * slower). Any other pattern is searched as before.
 */
function searcher(pattern: string): { test(text: string): boolean } {
  const m = RE2JS.compile(pattern);
  if (!anchoredBothEnds(pattern)) return m;
  return { test: (text: string) => m.testExact(text) };
}

/**
 * Whether `pattern` is `^`, then a part with no `|` outside a group or class, then an unescaped
 * `$`, with neither anchor repeated. Conservative: a pattern with flags (`(?`), quoting (`\Q`) or a
 * named class (`[:`) is never taken, whatever its shape (it is searched as before).
 */
export function anchoredBothEnds(pattern: string): boolean {
  const n = pattern.length;
  if (n < 2 || pattern[0] !== '^' || pattern[n - 1] !== '$' || '*+?{'.includes(pattern[1]!)) return false;
  if (pattern.includes('(?') || pattern.includes('\\Q') || pattern.includes('[:')) return false;
  let depth = 0;
  let i = 1;
  for (; i < n - 1; i++) {
    const c = pattern[i];
    if (c === '\\')
      i++; // the escaped character
    else if (c === '[') i = classEnd(pattern, i);
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return false;
    if (depth < 0) return false;
  }
  // i stops past n - 1 when an escape or a class took the final `$`: then it is no anchor.
  return depth === 0 && i === n - 1;
}

/** Index of the `]` closing the class opened at `open` (a `]` right after `[` or `[^` is literal). */
function classEnd(p: string, open: number): number {
  let i = open + 1;
  if (p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === ']') return i;
  }
  return p.length; // unclosed: RE2 refused the pattern already
}

const env = celEnv({ re2 });
/** The fast path's matches(): the very function the environment's matches() runs. */
const fastEnv = { matches: (text: string, pattern: string): boolean => re2.compile(pattern).test(text) };

/** The parsed AST node type (taken from parse() so @bufbuild/cel-spec need not be imported directly). */
type Expr = ReturnType<typeof parse>['expr'];

export type CelActivation = Record<string, unknown>;

export interface CompiledExpr {
  source: string;
  /** Dotted identifier paths the expression reads (comprehension variables excluded). */
  paths: string[];
  /** The same paths, split at the dots. */
  segments: string[][];
  /** Names the expression binds as comprehension variables (they shadow activation variables). */
  binders: string[];
  /** The fast path (cel-fast.ts) where it answers, else the library. */
  eval: (activation: CelActivation) => unknown;
  /** The library alone (what `eval` must always agree with; the tests compare the two). */
  evalLibrary: (activation: CelActivation) => unknown;
  /** Whether the expression has a fast path at all. */
  fast: boolean;
}

export type CompileOutcome = { ok: true; expr: CompiledExpr } | { ok: false; reason: string; line: number; column: number };

/** Parse and plan. Parse errors come back with the 1-based line/column inside the expression. */
export function compileCel(source: string): CompileOutcome {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (e) {
    const err = e as { message?: string; location?: { start?: { line?: number; column?: number } } };
    const raw = String(err.message ?? e).replace(/^<input>:\d+:\d+:\s*/, '');
    return { ok: false, reason: `CEL parse error: ${raw}`, line: err.location?.start?.line ?? 1, column: err.location?.start?.column ?? 1 };
  }
  let fn: (a: CelActivation) => unknown;
  try {
    const planned = plan(env, parsed) as unknown as (a: CelActivation) => unknown;
    fn = planned;
  } catch (e) {
    return { ok: false, reason: `CEL plan error: ${(e as Error).message}`, line: 1, column: 1 };
  }
  const paths = new Set<string>();
  const binders = new Set<string>();
  collectPaths(parsed.expr, new Set(), paths, binders);
  const sorted = [...paths].sort();
  const fast = compileFast(parsed.expr, fastEnv);
  const evaluate = fast
    ? (a: CelActivation) => {
        const v = fast(a);
        return v === BAIL ? fn(a) : v;
      }
    : fn;
  return {
    ok: true,
    expr: { source, paths: sorted, segments: sorted.map((p) => p.split('.')), binders: [...binders], eval: evaluate, evalLibrary: fn, fast: fast !== null },
  };
}

export type EvalOutcome = { ok: true; value: unknown } | { ok: false; error: string };

/** Run a compiled expression; CEL errors and exceptions both come back as `{ok: false}`. */
export function runCel(expr: CompiledExpr, activation: CelActivation): EvalOutcome {
  try {
    const v = expr.eval(activation);
    if (isCelError(v)) return { ok: false, error: v.message };
    return { ok: true, value: v };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function selectChain(e: Expr): string[] | null {
  const parts: string[] = [];
  let cur: Expr | undefined = e;
  while (cur) {
    const k: Expr['exprKind'] = cur.exprKind;
    if (k.case === 'selectExpr') {
      parts.unshift(k.value.field);
      cur = k.value.operand;
    } else if (k.case === 'identExpr') {
      parts.unshift(k.value.name);
      return parts;
    } else {
      return null;
    }
  }
  return null;
}

/** CEL's type names are identifiers too; they are not variables. */
const TYPE_IDENTS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

function collectPaths(e: Expr | undefined, bound: ReadonlySet<string>, out: Set<string>, binders: Set<string>): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr':
      if (!bound.has(k.value.name) && !TYPE_IDENTS.has(k.value.name)) out.add(k.value.name);
      return;
    case 'selectExpr': {
      const chain = selectChain(e);
      if (chain) {
        if (!bound.has(chain[0]!)) out.add(chain.join('.'));
      } else {
        collectPaths(k.value.operand, bound, out, binders);
      }
      return;
    }
    case 'callExpr':
      collectPaths(k.value.target, bound, out, binders);
      for (const a of k.value.args) collectPaths(a, bound, out, binders);
      return;
    case 'listExpr':
      for (const x of k.value.elements) collectPaths(x, bound, out, binders);
      return;
    case 'structExpr':
      for (const en of k.value.entries) {
        if (en.keyKind.case === 'mapKey') collectPaths(en.keyKind.value, bound, out, binders);
        collectPaths(en.value, bound, out, binders);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      collectPaths(c.iterRange, bound, out, binders);
      const inner = new Set(bound);
      for (const v of [c.iterVar, c.iterVar2, c.accuVar]) if (v) inner.add(v);
      for (const v of inner) binders.add(v);
      collectPaths(c.accuInit, inner, out, binders);
      collectPaths(c.loopCondition, inner, out, binders);
      collectPaths(c.loopStep, inner, out, binders);
      collectPaths(c.result, inner, out, binders);
      return;
    }
    default:
      return;
  }
}

/**
 * JS value → CEL input: safe integers become int (bigint), other finite numbers double, plain
 * objects Maps (undefined members dropped, so `has()` sees them as absent), arrays lists.
 * Non-finite numbers become null (fail closed: comparisons with null are false or errors).
 */
export function toCel(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) return null;
      return Number.isSafeInteger(v) ? BigInt(v) : v;
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'object': {
      // Pre-wrapped as CEL lists/maps, so the evaluator does not re-wrap them on every access.
      if (Array.isArray(v)) return celList(v.map(toCel) as never);
      if (v instanceof Date) return v.toISOString();
      const m = new Map<string, unknown>();
      const o = v as Record<string, unknown>;
      for (const key of Object.keys(o)) {
        const val = o[key];
        if (val !== undefined) m.set(key, toCel(val));
      }
      return celMap(m as never);
    }
    default:
      return null;
  }
}

/** Top-level activation: the variables themselves stay a plain record; their values are converted. */
export function toCelActivation(native: Record<string, unknown>): CelActivation {
  const out: CelActivation = {};
  for (const [k, v] of Object.entries(native)) if (v !== undefined) out[k] = toCel(v);
  return out;
}

/** Dotted path look-up in a plain JS value; undefined when any step is missing. */
export function lookupPath(root: unknown, path: string | readonly string[]): unknown {
  let cur: unknown = root;
  for (const part of typeof path === 'string' ? path.split('.') : path) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = cur instanceof Map ? cur.get(part) : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export const TEMPLATE_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const TEMPLATE_PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;

/** The `{{…}}` placeholders of a template that are not a plain dotted path (refused at load). */
export function badTemplatePaths(template: string): string[] {
  const bad: string[] = [];
  for (const m of template.matchAll(TEMPLATE_RE)) if (!TEMPLATE_PATH_RE.test(m[1]!)) bad.push(m[0]);
  if (template.replace(TEMPLATE_RE, '').includes('{{')) bad.push('unclosed {{');
  return bad;
}

export function formatValue(v: unknown): string {
  if (v === undefined) return '(missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
  return s.length > 200 ? s.slice(0, 197) + '...' : s;
}

/** Fill `{{path}}` placeholders by looking the path up in `values` (no evaluation). */
export function fillTemplate(template: string, values: unknown): string {
  return template.replace(TEMPLATE_RE, (_m, p: string) => formatValue(lookupPath(values, p)));
}
