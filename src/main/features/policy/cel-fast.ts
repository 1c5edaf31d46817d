// A fast path in front of @bufbuild/cel for the plain part of CEL that policies mostly use (issue 20):
// field selection over maps, int/double/string/bool constants, comparisons, ==/!=, + - * on ints
// and doubles, &&, ||, !, ?:, size(), `in`, startsWith/endsWith/contains, has() and the list macros
// (all, exists, exists_one, map and filter folds over lists), map[string], matches() (the same RE2
// as the library's environment), `type(x) == int|double|string|bool`, string(x) of a plain value,
// and whole-second timestamps and durations (`timestamp('YYYY-MM-DDThh:mm:ssZ')`, `duration('36h')`,
// their ordering and a timestamp minus a timestamp). compileFast() turns a parsed expression into
// JS closures, or gives null when it uses anything else (other conversions, division, list
// literals, …): such expressions always go to the library.
//
// The fast path never decides anything the library might decide otherwise. It answers only when
// every step met the types it handles, with the library's own operations (the same JS operators
// its standard functions use, CelMap.get/has, the same code-point count for size()); anything else
// on the way (a missing key, a null, a uint, a type mismatch, an int result outside int64, a
// non-bool condition, a map to iterate) gives BAIL, and the caller evaluates the expression with
// the library, which then gives the result or the error, with its message, as before. So results
// and errors are the library's by construction; guard-equivalence.test.ts and cel-fast.test.ts
// hold the two to each other.
import { isCelList, isCelMap, type CelList, type CelMap } from '@bufbuild/cel';
/** The activation (cel.ts CelActivation): variable name → CEL value. */
type CelActivation = Record<string, unknown>;

/** "The fast path cannot answer": evaluate with the library. */
export const BAIL: unique symbol = Symbol('cel-fast bail');

type Frame = unknown[];
type Node = (a: CelActivation, f: Frame) => unknown;

/** The parsed AST node type (from @bufbuild/cel's parse()). */
interface Ast {
  exprKind: { case: string | undefined; value?: unknown };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TYPE_IDENTS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

const isPrim = (v: unknown): v is string | boolean | bigint | number => {
  const t = typeof v;
  return t === 'string' || t === 'boolean' || t === 'bigint' || t === 'number';
};
const isNum = (v: unknown): v is bigint | number => typeof v === 'bigint' || typeof v === 'number';

/** The library's equals() on two primitives (ints and doubles compare by value across types). */
function primEquals(l: string | boolean | bigint | number, r: string | boolean | bigint | number): boolean {
  // 1 == 1.0 in CEL: the library compares an int with a double by == too.
  return isNum(l) && isNum(r) ? l == r : l === r;
}

type Cmp = (l: never, r: never) => boolean;
const ORDER: Record<string, Cmp> = {
  '_<_': (l, r) => l < r,
  '_<=_': (l, r) => l <= r,
  '_>_': (l, r) => l > r,
  '_>=_': (l, r) => l >= r,
};

/** Same-type ordering only (int/int, double/double, string/string, bool/bool): mixed types go to the library. */
function order(cmp: Cmp, l: unknown, r: unknown): unknown {
  const t = typeof l;
  if (t !== typeof r || (t !== 'bigint' && t !== 'number' && t !== 'string' && t !== 'boolean')) {
    // Timestamps and durations in whole seconds: the library compares seconds, then nanos (all 0 here).
    if (l instanceof Ts && r instanceof Ts) return cmp(l.ms as never, r.ms as never);
    if (l instanceof Dur && r instanceof Dur) return cmp(l.s as never, r.s as never);
    return BAIL;
  }
  return cmp(l as never, r as never);
}

/**
 * A timestamp inside the fast path: only from `timestamp(string)` of `YYYY-MM-DDThh:mm:ssZ` (no
 * fraction, no offset), so whole seconds. It is never a result: compileFast bails on anything not
 * plain, and every operation but ordering and subtraction bails on it.
 */
class Ts {
  constructor(readonly ms: number) {}
}
/** A duration in whole seconds inside the fast path (from `duration('<digits>h|m|s')` or Ts - Ts). */
class Dur {
  constructor(readonly s: bigint) {}
}

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
// What @bufbuild/protobuf's timestamp JSON parser (the library's timestamp(string)) accepts.
const TS_MS_MIN = Date.parse('0001-01-01T00:00:00Z');
const TS_MS_MAX = Date.parse('9999-12-31T23:59:59Z');
/** The library's durations are int64 nanoseconds: at most this many whole seconds either way. */
const DUR_S_MAX = 9_223_372_036n;
const DUR_RE = /^(\d{1,6})([hms])$/;
const DUR_UNIT: Record<string, bigint> = { h: 3600n, m: 60n, s: 1n };

/**
 * `timestamp(s)`: for this one shape the library's parser builds the same string and gives it to
 * Date.parse, then refuses what falls outside years 1–9999; so does this. Any other shape bails.
 */
function timestamp(v: unknown): unknown {
  if (typeof v !== 'string' || !TS_RE.test(v)) return BAIL;
  const ms = Date.parse(v);
  return Number.isNaN(ms) || ms < TS_MS_MIN || ms > TS_MS_MAX ? BAIL : new Ts(ms);
}

/** `duration(s)` for up to six digits and one unit of h, m or s (the library's parse of those: far inside int64). */
function duration(v: unknown): unknown {
  const m = typeof v === 'string' ? DUR_RE.exec(v) : null;
  return m ? new Dur(BigInt(m[1]!) * DUR_UNIT[m[2]!]!) : BAIL;
}

/** `string(x)` of a plain value: the library's toString() of it. */
function toStr(v: unknown): unknown {
  return isPrim(v) ? String(v) : BAIL;
}

function arith(op: string, l: unknown, r: unknown): unknown {
  if (typeof l === 'bigint' && typeof r === 'bigint') {
    const v = op === '_+_' ? l + r : op === '_-_' ? l - r : l * r;
    return v < INT64_MIN || v > INT64_MAX ? BAIL : v;
  }
  if (typeof l === 'number' && typeof r === 'number') return op === '_+_' ? l + r : op === '_-_' ? l - r : l * r;
  if (op === '_+_' && typeof l === 'string' && typeof r === 'string') return l + r;
  if (op === '_-_' && l instanceof Ts && r instanceof Ts) {
    // The library makes a duration of it, refusing one outside int64 nanoseconds (~292 years).
    const s = BigInt((l.ms - r.ms) / 1000);
    return s > DUR_S_MAX || s < -DUR_S_MAX ? BAIL : new Dur(s);
  }
  return BAIL;
}

/** Code points in `s`, as `[...s].length` (the library's size()) counts them, without the array. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

function size(v: unknown): unknown {
  if (typeof v === 'string') return BigInt(codePoints(v));
  if (isCelList(v) || isCelMap(v)) return BigInt(v.size);
  return BAIL;
}

function inOp(x: unknown, c: unknown): unknown {
  if (!isPrim(x)) return BAIL;
  if (isCelMap(c)) return typeof x === 'string' || typeof x === 'boolean' ? (c as CelMap).has(x) : BAIL;
  if (!isCelList(c)) return BAIL;
  const list = c as CelList;
  for (let i = 0; i < list.size; i++) {
    const e = list.get(i);
    if (!isPrim(e)) return BAIL;
    if (primEquals(e, x)) return true;
  }
  return false;
}

const STRING_METHODS: Record<string, (s: string, x: string) => boolean> = {
  startsWith: (s, x) => s.startsWith(x),
  endsWith: (s, x) => s.endsWith(x),
  contains: (s, x) => s.includes(x),
};

/** `type(x) == int` and the like: the CEL type name of a plain value (what type() gives for it). */
const TYPE_OF: Record<string, string> = { bigint: 'int', number: 'double', string: 'string', boolean: 'bool' };

/** What the fast path needs from the environment: the same matches() the library's environment uses. */
export interface FastEnv {
  matches(text: string, pattern: string): boolean;
}

/** Compiles with the comprehension variables in scope mapped to frame slots. */
class Compiler {
  slots = 0;
  constructor(
    private readonly env: FastEnv,
    private readonly scope: Map<string, number> = new Map(),
  ) {}

  node(e: Ast | undefined): Node | null {
    if (!e) return null;
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr':
        return this.constant(k.value as { constantKind: { case: string | undefined; value?: unknown } });
      case 'identExpr':
        return this.ident((k.value as { name: string }).name);
      case 'selectExpr':
        return this.select(k.value as { operand?: Ast; field: string; testOnly: boolean });
      case 'callExpr':
        return this.call(k.value as { target?: Ast; function: string; args: Ast[] });
      case 'comprehensionExpr':
        return this.fold(k.value as FoldAst);
      default:
        return null;
    }
  }

  private constant(c: { constantKind: { case: string | undefined; value?: unknown } }): Node | null {
    const ck = c.constantKind;
    if (ck.case === 'int64Value' || ck.case === 'doubleValue' || ck.case === 'stringValue' || ck.case === 'boolValue') {
      const v = ck.value;
      return () => v;
    }
    return null;
  }

  private ident(name: string): Node | null {
    const slot = this.scope.get(name);
    if (slot !== undefined) return (_a, f) => f[slot];
    if (TYPE_IDENTS.has(name)) return null;
    return (a) => {
      const v = a[name];
      return isPrim(v) || isCelMap(v) || isCelList(v) ? v : BAIL;
    };
  }

  private select(s: { operand?: Ast; field: string; testOnly: boolean }): Node | null {
    const op = this.node(s.operand);
    if (!op) return null;
    const field = s.field;
    if (s.testOnly)
      return (a, f) => {
        const m = op(a, f);
        return isCelMap(m) ? (m as CelMap).has(field) : BAIL;
      };
    return (a, f) => {
      const m = op(a, f);
      if (!isCelMap(m)) return BAIL;
      const v = (m as CelMap).get(field);
      return v === undefined || v === null || !(isPrim(v) || isCelMap(v) || isCelList(v)) ? BAIL : v;
    };
  }

  private call(c: { target?: Ast; function: string; args: Ast[] }): Node | null {
    if ((c.function === '_==_' || c.function === '_!=_') && !c.target) {
      const t = this.typeTest(c.args[0], c.args[1]) ?? this.typeTest(c.args[1], c.args[0]);
      if (t)
        return c.function === '_==_'
          ? t
          : (a, f) => {
              const v = t(a, f);
              return v === BAIL ? BAIL : !v;
            };
    }
    const args: Node[] = [];
    for (const x of c.args) {
      const n = this.node(x);
      if (!n) return null;
      args.push(n);
    }
    if (c.target) {
      const t = this.node(c.target);
      if (t && c.function === 'matches' && args.length === 1) return matches(this.env, t, args[0]!);
      return t ? method(c.function, t, args) : null;
    }
    return global(c.function, args);
  }

  /** `type(e) == name` with name one of int, double, string, bool (an identifier no comprehension binds). */
  private typeTest(call: Ast | undefined, name: Ast | undefined): Node | null {
    if (call?.exprKind.case !== 'callExpr' || name?.exprKind.case !== 'identExpr') return null;
    const c = call.exprKind.value as { target?: Ast; function: string; args: Ast[] };
    const want = (name.exprKind.value as { name: string }).name;
    if (c.function !== 'type' || c.target || c.args.length !== 1 || this.scope.has(want) || !Object.values(TYPE_OF).includes(want)) return null;
    const arg = this.node(c.args[0]);
    if (!arg) return null;
    return (a, f) => {
      const v = arg(a, f);
      return isPrim(v) ? TYPE_OF[typeof v] === want : BAIL;
    };
  }

  private fold(c: FoldAst): Node | null {
    if (c.iterVar2) return null;
    const range = this.node(c.iterRange);
    const init = this.node(c.accuInit);
    if (!range || !init) return null;
    const accu = this.slots++;
    const inner = new Map(this.scope);
    inner.set(c.accuVar, accu);
    const iter = this.slots++;
    inner.set(c.iterVar, iter);
    const sub = new Compiler(this.env, inner);
    sub.slots = this.slots;
    const cond = sub.node(c.loopCondition);
    const step = sub.node(c.loopStep);
    const resultScope = new Map(this.scope);
    resultScope.set(c.accuVar, accu);
    const rsub = new Compiler(this.env, resultScope);
    rsub.slots = sub.slots;
    const result = rsub.node(c.result);
    this.slots = rsub.slots;
    if (!cond || !step || !result) return null;
    return (a, f) => {
      const acc0 = init(a, f);
      if (acc0 === BAIL) return BAIL;
      const r = range(a, f);
      if (!isCelList(r)) return BAIL;
      const list = r as CelList;
      f[accu] = acc0;
      for (let i = 0; i < list.size; i++) {
        f[iter] = list.get(i);
        const ok = cond(a, f);
        if (ok === BAIL) return BAIL;
        if (ok !== true) break;
        const next = step(a, f);
        if (next === BAIL) return BAIL;
        f[accu] = next;
      }
      return result(a, f);
    };
  }
}

interface FoldAst {
  iterVar: string;
  iterVar2?: string;
  iterRange?: Ast;
  accuVar: string;
  accuInit?: Ast;
  loopCondition?: Ast;
  loopStep?: Ast;
  result?: Ast;
}

function method(name: string, target: Node, args: Node[]): Node | null {
  if (name === 'size' && args.length === 0) return (a, f) => size(target(a, f));
  const fn = STRING_METHODS[name];
  if (!fn || args.length !== 1) return null;
  const arg = args[0]!;
  return (a, f) => {
    const s = target(a, f);
    if (typeof s !== 'string') return BAIL;
    const x = arg(a, f);
    return typeof x === 'string' ? fn(s, x) : BAIL;
  };
}

function matches(env: FastEnv, target: Node, pattern: Node): Node {
  return (a, f) => {
    const s = target(a, f);
    const p = pattern(a, f);
    if (typeof s !== 'string' || typeof p !== 'string') return BAIL;
    try {
      return env.matches(s, p);
    } catch {
      return BAIL; // a bad pattern: the library's error
    }
  };
}

/** One-argument conversions the fast path answers for some inputs (BAIL for the rest). */
const CONVERSIONS: Record<string, (v: unknown) => unknown> = { timestamp, duration, string: toStr };

function logical(isAnd: boolean, args: Node[]): Node {
  return (a, f) => {
    for (const n of args) {
      const v = n(a, f);
      if (typeof v !== 'boolean') return BAIL;
      if (v !== isAnd) return v;
    }
    return isAnd;
  };
}

function global(name: string, args: Node[]): Node | null {
  const [x, y, z] = args;
  if (name === '_&&_' || name === '_||_') return args.length ? logical(name === '_&&_', args) : null;
  if (args.length === 1 && x) {
    if (name === '!_')
      return (a, f) => {
        const v = x(a, f);
        return typeof v === 'boolean' ? !v : BAIL;
      };
    if (name === '@not_strictly_false' || name === '__not_strictly_false__')
      return (a, f) => {
        const v = x(a, f);
        return v === BAIL ? BAIL : v !== false;
      };
    if (name === 'size') return (a, f) => size(x(a, f));
    const conv = CONVERSIONS[name];
    return conv ? (a, f) => conv(x(a, f)) : null;
  }
  if (args.length === 3 && x && y && z && name === '_?_:_')
    return (a, f) => {
      const c = x(a, f);
      return c === true ? y(a, f) : c === false ? z(a, f) : BAIL;
    };
  if (args.length !== 2 || !x || !y) return null;
  const cmp = ORDER[name];
  if (cmp) return (a, f) => order(cmp, x(a, f), y(a, f));
  switch (name) {
    case '_==_':
    case '_!=_': {
      const eq = name === '_==_';
      return (a, f) => {
        const l = x(a, f);
        const r = y(a, f);
        return isPrim(l) && isPrim(r) ? primEquals(l, r) === eq : BAIL;
      };
    }
    case '_+_':
    case '_-_':
    case '_*_':
      return (a, f) => arith(name, x(a, f), y(a, f));
    case '@in':
      return (a, f) => inOp(x(a, f), y(a, f));
    case '_[_]':
      // Only a map read with a string key (missing: the library's error).
      return (a, f) => {
        const m = x(a, f);
        const key = y(a, f);
        if (!isCelMap(m) || typeof key !== 'string') return BAIL;
        const v = (m as CelMap).get(key);
        return v === undefined || !(isPrim(v) || isCelMap(v) || isCelList(v)) ? BAIL : v;
      };
    default:
      return null;
  }
}

/** The fast evaluator of a parsed expression, or null when it uses anything outside the fast subset. */
export function compileFast(expr: Ast, env: FastEnv): ((a: CelActivation) => unknown) | null {
  const c = new Compiler(env);
  const root = c.node(expr);
  if (!root) return null;
  const slots = c.slots;
  const empty: Frame = [];
  return (a) => {
    const v = root(a, slots ? new Array<unknown>(slots) : empty);
    // Only plain results: lists, maps and anything else come from the library as they did.
    return isPrim(v) ? v : BAIL;
  };
}
