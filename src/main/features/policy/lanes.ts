// Risk lanes for a proposed automated action: GREEN (goes ahead), YELLOW (goes ahead, shown for
// review), RED (needs a reviewer's approval; INV.APPROVAL.RED enforces it). The lane is the highest
// that any rule below gives; every rule that raised it adds a message (its code and numbers).
//
// | Rule | GREEN | YELLOW | RED |
// |---|---|---|---|
// | contract riskHints.defaultLane | default | default | default |
// | contract riskHints.redWhen (CEL over the data) | | | holds, or cannot be evaluated (fail closed) |
// | amount (riskHints.amountField, integer cents) | ≤ amountYellowCents | > amountYellowCents | > amountRedCents, or not integer cents |
// | PII (contract `pii` pointers present in plaintext in the data heading out) | none | any (piiLane) | |
// | model uncertainty (0..1) | ≤ uncertaintyYellow | > uncertaintyYellow (0.5) | > uncertaintyRed (0.8), or not a number in 0..1 |
// | prompt-injection detector | nothing detected | | any AI input detected |
//
// redWhen may use `list[].field <op> value`, meaning "some element's field": it is rewritten to
// `list != null && list.exists(e, e.field <op> value)`. Data fields are its variables; a field the
// data lacks is null (so `conclusion == 'unsafe'` is false when there is no conclusion).
import { msg, type Message } from '../../../shared/messages';
import type { GuardContract, InjectionReport } from '../../../shared/policy/types';
import { LANES, type Lane } from '../../../shared/workflow/types';
import { compileCel, runCel, toCel, type CompiledExpr } from './cel';
import type { LaneThresholds } from './policy';

export const DEFAULT_LANE_THRESHOLDS: LaneThresholds = {
  amountYellowCents: 100_000,
  amountRedCents: 1_000_000,
  uncertaintyYellow: 0.5,
  uncertaintyRed: 0.8,
  piiLane: 'YELLOW',
};

export interface LaneInput {
  contract?: GuardContract;
  data?: Record<string, unknown>;
  /** Pointers of contract PII fields present in plaintext (see findPlaintextPii). */
  plaintextPii: readonly string[];
  uncertainty?: number;
  injection: InjectionReport | null;
}

export interface LaneDecision {
  lane: Lane;
  /** One message per rule that raised the lane (`guard.lane.*`, src/renderer/i18n/locales/<l>/guard.json). */
  reasons: Message[];
}

const rank = (l: Lane): number => LANES.indexOf(l);
const isLane = (v: unknown): v is Lane => typeof v === 'string' && (LANES as readonly string[]).includes(v);

/** RFC 6901 pointer look-up; undefined when absent. */
export function resolvePointer(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(key)] : (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A value counts as protected (not plaintext) when sealed or redacted by the caller. */
export function isProtected(v: unknown): boolean {
  if (typeof v === 'string') return /^(enc:|sealed:|redacted:|\[redacted\])/i.test(v);
  return v !== null && typeof v === 'object' && !Array.isArray(v) && ('$sealed' in v || '$redacted' in v);
}

/** Contract PII pointers whose value is present (non-empty) and not protected. */
export function findPlaintextPii(pointers: readonly string[] | undefined, data: Record<string, unknown> | undefined): string[] {
  if (!pointers || !data) return [];
  return pointers.filter((p) => {
    const v = resolvePointer(data, p);
    if (v === undefined || v === null || v === '' || isProtected(v)) return false;
    return !(Array.isArray(v) && v.length === 0);
  });
}

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

/**
 * Contract PII pointers whose (string, >= 3 characters) value appears verbatim, ignoring case, in
 * any string of `output` (e.g. a summary that repeats the inspector's name). Only pointers are
 * returned, never the values.
 */
export function findEchoedPii(pointers: readonly string[] | undefined, data: Record<string, unknown> | undefined, output: unknown): string[] {
  if (!pointers || !data || output === undefined) return [];
  const hay = strings(output).join('\n').toLowerCase();
  if (!hay) return [];
  return pointers.filter((p) => {
    const v = resolvePointer(data, p);
    return typeof v === 'string' && v.trim().length >= 3 && !isProtected(v) && hay.includes(v.trim().toLowerCase());
  });
}

const RED_WHEN_LIST_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\[\](?:\.([A-Za-z_][A-Za-z0-9_.]*))?\s*(.+)$/s;

/** `findings[].severity == 'critical'` → `findings != null && findings.exists(__e, __e.severity == 'critical')`. */
export function rewriteRedWhen(src: string): string {
  const m = RED_WHEN_LIST_RE.exec(src);
  if (!m) return src;
  const [, list, field, rest] = m;
  const elem = field ? `__e.${field}` : '__e';
  return `${list} != null && ${list}.exists(__e, ${elem} ${rest})`;
}

const redWhenCache = new Map<string, { ok: true; expr: CompiledExpr } | { ok: false; reason: string }>();

function compileRedWhen(src: string): { ok: true; expr: CompiledExpr } | { ok: false; reason: string } {
  let c = redWhenCache.get(src);
  if (!c) {
    const r = compileCel(rewriteRedWhen(src));
    c = r.ok ? { ok: true, expr: r.expr } : { ok: false, reason: r.reason };
    if (redWhenCache.size > 1000) redWhenCache.clear();
    redWhenCache.set(src, c);
  }
  return c;
}

function evalRedWhen(src: string, data: Record<string, unknown> | undefined, celData?: ReadonlyMap<unknown, unknown>): { value: boolean } | { error: string } {
  const c = compileRedWhen(src);
  if (!c.ok) return { error: c.reason };
  const act: Record<string, unknown> = {};
  if (celData) for (const [k, v] of celData) act[String(k)] = v;
  else if (data) for (const [k, v] of Object.entries(data)) if (v !== undefined) act[k] = toCel(v);
  for (const p of c.expr.paths) {
    const root = p.split('.')[0]!;
    if (!(root in act)) act[root] = null;
  }
  const r = runCel(c.expr, act);
  if (!r.ok) return { error: r.error };
  if (typeof r.value !== 'boolean') return { error: 'redWhen did not return a bool' };
  return { value: r.value };
}

/**
 * Classify. `celData` (optional) is the data already converted to CEL, to avoid converting twice.
 * Never throws: anything unexpected is RED with its reason.
 */
export function classifyLane(input: LaneInput, t: LaneThresholds = DEFAULT_LANE_THRESHOLDS, celData?: ReadonlyMap<unknown, unknown>): LaneDecision {
  let lane: Lane = 'GREEN';
  const reasons: Message[] = [];
  const raise = (l: Lane, why: Message) => {
    if (rank(l) > rank(lane)) lane = l;
    reasons.push(why);
  };
  try {
    const c = input.contract;
    const hints = c?.riskHints ?? {};
    const name = c?.contract ?? 'none';
    if (hints.defaultLane !== undefined && !isLane(hints.defaultLane)) {
      raise('RED', msg('guard.lane.default_unknown', { name, value: String(hints.defaultLane) }));
    } else if (c) {
      const d = (hints.defaultLane as Lane | undefined) ?? 'GREEN';
      raise(d, msg('guard.lane.default', { name, lane: d }));
    }
    if (typeof hints.redWhen === 'string' && hints.redWhen.trim()) {
      const r = evalRedWhen(hints.redWhen, input.data, celData);
      if ('error' in r) raise('RED', msg('guard.lane.red_rule_error', { rule: hints.redWhen, error: r.error }));
      else if (r.value) raise('RED', msg('guard.lane.red_rule', { rule: hints.redWhen }));
    }
    if (typeof hints.amountField === 'string' && hints.amountField) {
      const f = hints.amountField;
      const v = f.startsWith('/')
        ? resolvePointer(input.data, f)
        : f.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), input.data);
      if (v !== undefined && v !== null) {
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
          raise('RED', msg('guard.lane.amount_invalid', { field: f, value: String(JSON.stringify(v)) }));
        } else if (v > t.amountRedCents) {
          raise('RED', msg('guard.lane.amount_red', { field: f, cents: v, limit: t.amountRedCents }));
        } else if (v > t.amountYellowCents) {
          raise('YELLOW', msg('guard.lane.amount_yellow', { field: f, cents: v, limit: t.amountYellowCents }));
        }
      }
    }
    if (input.plaintextPii.length) {
      raise(t.piiLane, msg('guard.lane.pii', { n: input.plaintextPii.length, fields: input.plaintextPii.join(', ') }));
    }
    const u = input.uncertainty;
    if (u !== undefined) {
      if (typeof u !== 'number' || !Number.isFinite(u) || u < 0 || u > 1) raise('RED', msg('guard.lane.uncertainty_invalid', { value: String(u) }));
      else if (u > t.uncertaintyRed) raise('RED', msg('guard.lane.uncertainty_red', { value: u, limit: t.uncertaintyRed }));
      else if (u > t.uncertaintyYellow) raise('YELLOW', msg('guard.lane.uncertainty_yellow', { value: u, limit: t.uncertaintyYellow }));
    }
    const inj = input.injection;
    if (inj?.detected) {
      const found = { flagged: inj.flaggedInputs.length, n: inj.scanned, score: inj.score.toFixed(2), families: inj.families.join(', ') };
      raise('RED', msg('guard.lane.injection', found));
    }
  } catch (e) {
    raise('RED', msg('guard.lane.failed', { error: e instanceof Error ? e.message : String(e) }));
  }
  if (lane === 'GREEN' && !reasons.length) reasons.push(msg('guard.lane.none'));
  return { lane, reasons };
}
