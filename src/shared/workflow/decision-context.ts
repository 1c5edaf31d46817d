// What a reviewer decides on (issue 17): the record a run concerns, named by its contract's title
// fields, the values that made it RED, the AI output under review beside its sources, and what
// approving or rejecting does. Declared once with TypeBox (schema + type); the pure helpers below
// pick and format a record's title fields (no Node, no DOM: main, the renderer's tests and scripts use them).
import { Type, type Static } from '@sinclair/typebox';
import { enumOf, nullable, obj } from '../typebox';
import { TITLE_ANNOTATION } from '../contract-annotations';
import { reasonSchema } from '../policy/reasons';
import { LANES } from './types';

const str = Type.String();

export const recordFieldSchema = obj({
  /** JSON pointer into the record, e.g. /reportId */
  path: str,
  /** the contract's title for the field (its key when it has none) */
  label: str,
  /** the value in words (lists joined, long text clipped) */
  value: str,
  /**
   * a value that made the run wait for a reviewer: the contract's risk hints named it and its rule
   * made the lane RED, or an approval invariant the run waits on read it
   */
  red: Type.Boolean(),
  /** why it is highlighted: a message (a lane reason, `guard.*`), or text (an invariant's message); null when it is not */
  why: nullable(reasonSchema),
});
export type RecordField = Static<typeof recordFieldSchema>;

export const decisionContextSchema = obj({
  runId: str,
  workflowTitle: str,
  contract: str,
  contractTitle: str,
  /** The run's title with the record's identifying value: "Site inspection report · RPT-2026-103". */
  title: str,
  /** The identifying field's value (the first title field); null when the record has none. */
  identifier: nullable(str),
  /** The title fields, then the other fields that made the run RED. PII fields are never listed. */
  fields: Type.Array(recordFieldSchema),
  /** The run's lane (null before it has one). */
  lane: nullable(enumOf(LANES)),
  /** Reasons for the lane not tied to a record field (an injection in the text, an unsure model …): messages, or text from older cards. */
  otherReasons: Type.Array(reasonSchema),
  /**
   * The AI output under review (the last summary step) beside the input fields it read. `pending`: the
   * run waits before its summary step (the policy holds AI steps on RED data until a reviewer approves),
   * so there is no output yet; `sources` are the fields it will read.
   */
  ai: nullable(
    obj({
      step: str,
      state: enumOf(['done', 'pending']),
      model: nullable(str),
      text: nullable(str),
      sources: Type.Array(obj({ path: str, label: str, value: str })),
    }),
  ),
  /** What approving and rejecting do, in words; null when the run does not wait for a reviewer. */
  outcome: nullable(obj({ approve: str, reject: str })),
  /** The title fields' values: the words card search finds the run's cards by. */
  search: str,
});
export type DecisionContext = Static<typeof decisionContextSchema>;

/** A workflow step as the outcome words need it: its title (or id) and the executor it uses (`submit@1`). */
interface OutcomeStep {
  id: string;
  title?: string | null;
  uses: string;
}

/**
 * What approving and rejecting do, in English, when the run goes on at `rest[0]` (the steps after the
 * one it waits at): the words the decision context carries (main: runs/decision-context.ts), and the
 * sentence the renderer finds again to say it in the reader's language (cards/record-words.ts).
 */
export function outcomeEnglish(rest: readonly OutcomeStep[]): { approve: string; reject: string; submits: boolean } {
  const next = rest[0];
  const submits = rest.some((s) => s.uses.split('@')[0] === 'submit');
  const approve = next
    ? `The run goes on to its next step: “${next.title ?? next.id}”${rest.length > 1 ? `, then ${rest.length - 1} more` : ''}.`
    : 'The run finishes.';
  return { approve, reject: outcomeRejectEnglish(submits), submits };
}

/** What rejecting does, in English: the run stops (and nothing is submitted when a later step would). */
export const outcomeRejectEnglish = (submits: boolean): string =>
  `The run stops${submits ? ' and nothing is submitted' : ''}; what its finished steps stored is withdrawn.`;

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Longest value shown for one field. */
export const VALUE_MAX = 2_000;
/** At most this many title fields. */
const TITLE_FIELDS_MAX = 6;

const clip = (s: string, n = VALUE_MAX) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** A value in words: text as is, lists joined with commas, an object's values joined (a period reads "from – to"). */
export function formatValue(v: unknown, depth = 0): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return clip(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (depth > 2) return null;
  if (Array.isArray(v)) {
    const parts = v
      .slice(0, 10)
      .map((x) => formatValue(x, depth + 1))
      .filter((x): x is string => x !== null && x !== '');
    const more = v.length > 10 ? `, +${v.length - 10} more` : '';
    return parts.length ? clip(parts.join(', ') + more) : null;
  }
  if (isObj(v)) {
    const parts = Object.values(v)
      .map((x) => formatValue(x, depth + 1))
      .filter((x): x is string => x !== null && x !== '');
    return parts.length ? clip(parts.join(' – ')) : null;
  }
  return null;
}

const propsOf = (schema: Schema | undefined): Record<string, Schema> => (isObj(schema?.properties) ? (schema.properties as Record<string, Schema>) : {});
const unescape = (k: string) => k.replace(/~1/g, '/').replace(/~0/g, '~');
const escape = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The record's title fields, as JSON pointers, first the identifying one: the top-level fields the
 * contract marks with `x-maestro-title` (by their number). A contract that marks none: its top-level
 * identifiers (keys ending in Id / Ids / ID), else its first required top-level text field. PII
 * fields are never title fields.
 */
export function titleFieldsOf(schema: Schema | undefined, pii: readonly string[] = []): string[] {
  const props = propsOf(schema);
  const allowed = (k: string) => !pii.includes(`/${escape(k)}`);
  const marked = Object.entries(props)
    .filter(([k, p]) => allowed(k) && Number.isInteger(p[TITLE_ANNOTATION]))
    .sort((a, b) => (a[1][TITLE_ANNOTATION] as number) - (b[1][TITLE_ANNOTATION] as number))
    .map(([k]) => `/${escape(k)}`);
  if (marked.length) return marked.slice(0, TITLE_FIELDS_MAX);
  const ids = Object.keys(props).filter((k) => allowed(k) && /(Id|Ids|ID)$/.test(k));
  if (ids.length) return ids.slice(0, TITLE_FIELDS_MAX).map((k) => `/${escape(k)}`);
  const required = Array.isArray(schema?.required) ? (schema.required as string[]) : [];
  const text = required.find((k) => allowed(k) && props[k]?.type === 'string');
  return text ? [`/${escape(text)}`] : [];
}

/** The value at a JSON pointer. */
export function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const k = unescape(raw);
    if (Array.isArray(cur)) cur = /^\d+$/.test(k) ? cur[Number(k)] : undefined;
    else if (isObj(cur)) cur = cur[k];
    else return undefined;
  }
  return cur;
}

/** The contract's title for the field at a pointer (its last key when it has none). */
export function labelAt(schema: Schema | undefined, pointer: string): string {
  let cur: Schema | undefined = schema;
  const keys = pointer.split('/').slice(1).map(unescape);
  for (const k of keys) {
    if (!cur) break;
    cur = /^\d+$/.test(k) && isObj(cur.items) ? (cur.items as Schema) : propsOf(cur)[k];
  }
  const t = cur?.title;
  return typeof t === 'string' && t ? t : (keys[keys.length - 1] ?? pointer);
}

/** The top-level fields a contract's red rule (riskHints.redWhen, a CEL expression) reads, as pointers. */
export function redWhenFields(redWhen: unknown, schema: Schema | undefined): string[] {
  if (typeof redWhen !== 'string') return [];
  const props = propsOf(schema);
  // Names outside quoted strings, the root of each path (`findings[].severity` → findings).
  const code = redWhen.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, ' ');
  const roots = new Set((code.match(/(?<![\w.])[A-Za-z_]\w*/g) ?? []).filter((n) => Object.hasOwn(props, n)));
  return [...roots].map((k) => `/${escape(k)}`);
}

/** The record's identifying value (its first title field) in words, or null. */
export function identifierOf(schema: Schema | undefined, data: unknown, pii: readonly string[] = []): string | null {
  for (const p of titleFieldsOf(schema, pii)) {
    const v = formatValue(valueAt(data, p));
    if (v) return clip(v, 120);
  }
  return null;
}

/** A run's title with the record's identifying value: "Site inspection report · RPT-2026-103". */
export const titleWith = (workflowTitle: string, identifier: string | null): string => (identifier ? `${workflowTitle} · ${identifier}` : workflowTitle);
