// The invariant DSL: YAML files (invariants/*.yaml of the policy tree: the verified policy bundle,
// or resources/policy), each a list of invariants, a single invariant, or several YAML documents of
// either. Every expression is CEL, compiled at load;
// a file with a YAML error, a schema violation, a CEL parse error, a bad template or a duplicate id
// is refused with file, line and reason, and the loader returns no set (the caller keeps the old one).
//
//   - id: INV.BUDGET.CAP                 # ^INV(\.[A-Z0-9_]+)+$, unique over all files
//     scope: run                         # free-form grouping
//     description: ...                   # optional, for policy authors
//     plain:                             # required: words for people, per language (en required)
//       en: { what: ..., failed: ..., next: ... }   # what it makes sure of / what happened / what to do
//     when: { event: step.before, executor: [ai-summarize, submit] }   # event required; each field a string or list
//     assert:                            # all must hold; the first that fails gives the message
//       - expr: run.spentCents + step.estimatedCostCents <= run.budgetCents
//         message: 'Budget exceeded: {{run.spentCents}} + {{step.estimatedCostCents}} > {{run.budgetCents}} cents'
//     next: Lower the estimate or ask an admin to raise the run budget   # the next safe step when it fails
//
// `when` fields: event (GUARD_EVENTS), executor (EXECUTORS), workflow (manifest name without @version),
// action (policy action; a trailing * matches a prefix), role, contractKind. A field the context lacks
// does not match. Evaluation fails closed: an error or a non-bool result fails the invariant with
// `error`; when the time budget is spent the remaining invariants fail with error 'timeout'.
import type { ErrorObject } from 'ajv';
import { compileSchema, mostSpecificError } from '../../../shared/validation';
import { EXECUTORS, type InvariantResult } from '../../../shared/workflow/types';
import { GUARD_EVENTS, PLAIN_LANG_PATTERN, ROLES, type PlainTexts, type PolicyLoadError } from '../../../shared/policy/types';
import { badTemplatePaths, compileCel, fillTemplate, lookupPath, runCel, type CelActivation, type CompiledExpr } from './cel';
import { celError, errorText, loadError, schemaError, yamlError } from './load-problem';
import { parseYaml, pointerToPath } from '../../platform/util/yaml-source';
import { readText, type ResourceTree } from '../../platform/util/resource-tree';

const plainLine = { type: 'string', minLength: 1, maxLength: 400 } as const;
const plainText = {
  type: 'object',
  additionalProperties: false,
  required: ['what', 'failed', 'next'],
  properties: { what: plainLine, failed: plainLine, next: plainLine },
} as const;

const oneOrMany = (item: Record<string, unknown>) => ({ anyOf: [item, { type: 'array', minItems: 1, items: item }] });

export const invariantSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'scope', 'plain', 'when', 'assert', 'next'],
  properties: {
    id: { type: 'string', pattern: '^INV(\\.[A-Z0-9_]+)+$' },
    scope: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    plain: {
      type: 'object',
      required: ['en'],
      properties: { en: plainText },
      propertyNames: { pattern: PLAIN_LANG_PATTERN },
      additionalProperties: plainText,
    },
    when: {
      type: 'object',
      additionalProperties: false,
      required: ['event'],
      properties: {
        event: oneOrMany({ enum: [...GUARD_EVENTS] }),
        executor: oneOrMany({ enum: [...EXECUTORS] }),
        workflow: oneOrMany({ type: 'string', pattern: '^[a-z][a-z0-9-]*$' }),
        action: oneOrMany({ type: 'string', minLength: 1 }),
        role: oneOrMany({ enum: [...ROLES] }),
        contractKind: oneOrMany({ enum: ['capture', 'draft', 'submit'] }),
      },
    },
    assert: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['expr', 'message'],
        properties: { expr: { type: 'string', minLength: 1 }, message: { type: 'string', minLength: 1 } },
      },
    },
    next: { type: 'string', minLength: 1 },
  },
} as const;

interface RawInvariant {
  id: string;
  scope: string;
  description?: string;
  plain: PlainTexts;
  when: Record<string, string | string[]>;
  assert: { expr: string; message: string }[];
  next: string;
}

export interface When {
  event: readonly string[];
  executor?: readonly string[];
  workflow?: readonly string[];
  action?: readonly string[];
  role?: readonly string[];
  contractKind?: readonly string[];
}

export interface Invariant {
  id: string;
  scope: string;
  description: string | null;
  /** Words for people per language (`en` always). */
  plain: PlainTexts;
  when: When;
  asserts: { expr: CompiledExpr; message: string; line: number }[];
  next: string;
  /** Every path any of its expressions reads. */
  paths: string[];
  /** The same paths, split at the dots. */
  segments: string[][];
  file: string;
  line: number;
}

/** What `when` is matched against. */
export interface Selector {
  event: string;
  executor?: string;
  workflow?: string;
  action?: string;
  role?: string;
  contractKind?: string;
}

/** Plain texts are for people: no `{{placeholders}}`, no invariant ids or other codes. */
const CODE_IN_TEXT_RE = /\{\{|\}\}|\bINV\.[A-Z]|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/;

function plainProblems(plain: PlainTexts): string[] {
  const out: string[] = [];
  for (const [lang, t] of Object.entries(plain)) {
    if (!t) continue;
    for (const key of ['what', 'failed', 'next'] as const) if (CODE_IN_TEXT_RE.test(t[key])) out.push(`plain.${lang}.${key}`);
  }
  return out;
}

/** `next` may hold {{path}} placeholders only; plain texts none at all (nor codes). */
function nextAndPlainErrors(r: RawInvariant, lineOf: (key: 'next' | 'plain') => number, file: string): PolicyLoadError[] {
  const errors: PolicyLoadError[] = [];
  const badNext = badTemplatePaths(r.next);
  const list = badNext.join(', ');
  if (badNext.length)
    errors.push(loadError(file, lineOf('next'), 'next_placeholders', { id: r.id, list }, `${r.id}: next placeholders must be {{dotted.path}}: ${list}`));
  const badPlain = plainProblems(r.plain);
  if (badPlain.length) {
    const plain = badPlain.join(', ');
    errors.push(
      loadError(
        file,
        lineOf('plain'),
        'plain_placeholders',
        { id: r.id, list: plain },
        `${r.id}: plain texts are words for people, without {{placeholders}} or codes: ${plain}`,
      ),
    );
  }
  return errors;
}

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

function describeSchemaError(errors: ErrorObject[], prefix: string): { pointer: string; path: string; what: string } {
  // Skip the anyOf wrapper and the "must be array" alternative of single-or-list fields.
  const e = mostSpecificError(errors, (x) => x.keyword === 'anyOf' || (x.keyword === 'type' && x.params.type === 'array'));
  return { pointer: e.pointer, path: prefix + e.path || '/', what: e.what };
}

/** Parse and compile one file's text. `file` is how errors name it. */
export function parseInvariantFile(text: string, file: string): { invariants: Invariant[]; errors: PolicyLoadError[] } {
  const src = parseYaml(text);
  const errors: PolicyLoadError[] = src.errors.map((e) => yamlError(file, e));
  const invariants: Invariant[] = [];
  if (errors.length) return { invariants, errors };
  const validate = compileSchema(invariantSchema as unknown as Record<string, unknown>);
  src.values.forEach((value, doc) => {
    const items: { raw: unknown; base: (string | number)[] }[] = Array.isArray(value)
      ? value.map((raw, i) => ({ raw, base: [i] }))
      : value !== null && typeof value === 'object'
        ? [{ raw: value, base: [] }]
        : [];
    if (!items.length && !Array.isArray(value)) {
      errors.push(loadError(file, src.lineOf(doc, []), 'invariant_shape', {}, 'schema: a file holds a list of invariants or one invariant (a mapping)'));
      return;
    }
    for (const { raw, base } of items) {
      if (!validate(raw)) {
        const d = describeSchemaError(validate.errors ?? [], base.map((b) => `/${b}`).join(''));
        errors.push(schemaError(file, src.lineOf(doc, [...base, ...pointerToPath(d.pointer)]), d.path, d.what));
        continue;
      }
      const r = raw as RawInvariant;
      const line = src.lineOf(doc, base);
      const asserts: Invariant['asserts'] = [];
      let ok = true;
      r.assert.forEach((a, j) => {
        const c = compileCel(a.expr);
        const exprLine = src.lineOf(doc, [...base, 'assert', j, 'expr']);
        if (!c.ok) {
          ok = false;
          errors.push(celError(file, exprLine + c.line - 1, 'cel', { id: r.id }, c));
          return;
        }
        const bad = badTemplatePaths(a.message);
        if (bad.length) {
          ok = false;
          const list = bad.join(', ');
          const line = src.lineOf(doc, [...base, 'assert', j, 'message']);
          errors.push(loadError(file, line, 'message_placeholders', { id: r.id, list }, `${r.id}: message placeholders must be {{dotted.path}}: ${list}`));
          return;
        }
        asserts.push({ expr: c.expr, message: a.message, line: exprLine });
      });
      const wordErrors = nextAndPlainErrors(r, (key) => src.lineOf(doc, [...base, key]), file);
      errors.push(...wordErrors);
      if (!ok || wordErrors.length) continue;
      invariants.push({
        id: r.id,
        scope: r.scope,
        description: r.description ?? null,
        plain: r.plain,
        when: {
          event: list(r.when.event)!,
          executor: list(r.when.executor),
          workflow: list(r.when.workflow),
          action: list(r.when.action),
          role: list(r.when.role),
          contractKind: list(r.when.contractKind),
        },
        asserts,
        next: r.next,
        paths: [...new Set(asserts.flatMap((a) => a.expr.paths))].sort(),
        segments: [...new Set(asserts.flatMap((a) => a.expr.paths))].sort().map((p) => p.split('.')),
        file,
        line,
      });
    }
  });
  return { invariants, errors };
}

/**
 * Load every top-level `*.yaml` / `*.yml` of `tree` (sorted by name; files in subfolders are not
 * invariants). All or nothing: any error → `set: null`. `label` prefixes file names in errors.
 */
export function loadInvariantTree(tree: ResourceTree, label = ''): { set: InvariantSet | null; errors: PolicyLoadError[] } {
  const errors: PolicyLoadError[] = [];
  const all: Invariant[] = [];
  let names: string[];
  try {
    names = tree.files().filter((f) => !f.includes('/') && /\.ya?ml$/.test(f));
  } catch (e) {
    const detail = errorText(e);
    return { set: null, errors: [loadError(label || tree.label, 0, 'invariants_unreadable', { detail }, `cannot read invariant directory: ${detail}`)] };
  }
  const seen = new Map<string, Invariant>();
  for (const name of names) {
    const file = label ? `${label}/${name}` : name;
    let text: string;
    try {
      text = readText(tree, name);
    } catch (e) {
      errors.push(loadError(file, 0, 'unreadable', { detail: errorText(e) }, `cannot read: ${errorText(e)}`));
      continue;
    }
    const r = parseInvariantFile(text, file);
    errors.push(...r.errors);
    for (const inv of r.invariants) {
      const first = seen.get(inv.id);
      if (first) {
        const at = `${first.file}:${first.line}`;
        errors.push(loadError(file, inv.line, 'duplicate_id', { id: inv.id, at }, `duplicate id ${inv.id} (first defined at ${at})`));
        continue;
      }
      seen.set(inv.id, inv);
      all.push(inv);
    }
  }
  return errors.length ? { set: null, errors } : { set: new InvariantSet(all), errors: [] };
}

const matchOne = (allowed: readonly string[] | undefined, value: string | undefined): boolean => {
  if (!allowed) return true;
  if (value === undefined) return false;
  for (const a of allowed) {
    if (a === value) return true;
    if (a.endsWith('*') && value.startsWith(a.slice(0, -1))) return true;
  }
  return false;
};

export interface EvaluateOptions {
  /** Budget for all invariants together, checked between invariants (default 50). */
  timeoutMs?: number;
  /** Monotonic milliseconds (default performance.now). */
  clock?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 50;

const MISSING_RE = /unresolved attribute|field not found|no such key|no such attribute/i;

function jsonish(v: unknown): unknown {
  return v === undefined ? null : v;
}

/** An immutable, compiled set of invariants, indexed by event. */
export class InvariantSet {
  private readonly byEvent = new Map<string, Invariant[]>();
  private readonly byId = new Map<string, Invariant>();

  constructor(readonly invariants: readonly Invariant[]) {
    for (const inv of invariants) {
      this.byId.set(inv.id, inv);
      for (const ev of inv.when.event) {
        const l = this.byEvent.get(ev) ?? [];
        l.push(inv);
        this.byEvent.set(ev, l);
      }
    }
  }

  get size(): number {
    return this.invariants.length;
  }

  ids(): string[] {
    return this.invariants.map((i) => i.id);
  }

  get(id: string): Invariant | undefined {
    return this.byId.get(id);
  }

  /** The invariants whose `when` matches, in load order (file name, then position). */
  matching(sel: Selector): Invariant[] {
    const out: Invariant[] = [];
    for (const inv of this.byEvent.get(sel.event) ?? []) {
      const w = inv.when;
      if (
        matchOne(w.executor, sel.executor) &&
        matchOne(w.workflow, sel.workflow) &&
        matchOne(w.action, sel.action) &&
        matchOne(w.role, sel.role) &&
        matchOne(w.contractKind, sel.contractKind)
      ) {
        out.push(inv);
      }
    }
    return out;
  }

  /**
   * Evaluate `list` against one activation. `native` is the same activation as plain JS (what
   * messages and reported values are read from); `cel` is its CEL conversion.
   */
  evaluate(list: readonly Invariant[], cel: CelActivation, native: Record<string, unknown>, opts: EvaluateOptions = {}): InvariantResult[] {
    const clock = opts.clock ?? (() => performance.now());
    const budget = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const start = clock();
    const out: InvariantResult[] = [];
    for (const inv of list) {
      if (clock() - start > budget) {
        out.push({ id: inv.id, pass: false, message: `Not evaluated: the ${budget} ms evaluation budget was spent`, values: {}, error: 'timeout' });
        continue;
      }
      out.push(evaluateInvariant(inv, cel, native));
    }
    return out;
  }
}

/** One invariant, fail closed. */
export function evaluateInvariant(inv: Invariant, cel: CelActivation, native: Record<string, unknown>): InvariantResult {
  const values: Record<string, unknown> = {};
  for (let i = 0; i < inv.paths.length; i++) values[inv.paths[i]!] = jsonish(lookupPath(native, inv.segments[i]!));
  for (const a of inv.asserts) {
    const r = runCel(a.expr, cel);
    if (!r.ok) {
      let error = r.error;
      if (MISSING_RE.test(error)) {
        const missing = a.expr.paths.filter((p) => lookupPath(native, p) === undefined);
        if (missing.length) error = `missing value: ${missing.join(', ')} (${r.error})`;
      }
      return { id: inv.id, pass: false, message: fillTemplate(a.message, native), values, error };
    }
    if (typeof r.value !== 'boolean') {
      const type = typeof r.value === 'bigint' ? 'int' : r.value === null ? 'null' : typeof r.value;
      return { id: inv.id, pass: false, message: fillTemplate(a.message, native), values, error: `expression returned ${type}, not bool: ${a.expr.source}` };
    }
    if (!r.value) return { id: inv.id, pass: false, message: fillTemplate(a.message, native), values };
  }
  return { id: inv.id, pass: true, message: null, values };
}
