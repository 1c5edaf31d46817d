// The policy document (resources/policy/policy.yaml): versioned data that says which role may do
// which action, under which attribute conditions. Conditions are CEL (same compiler as invariants);
// the usual ones (tenant, residency, ownership) are named in the document's `conditions` and rules
// list them by name, or carry their own inline `{expr, message, next}`.
//
//   version: 2026.11.1
//   params:  { syncWindowHours: 24, ... }        # numbers/strings/lists, visible to CEL as `params`
//   lanes:   { amountYellowCents: 100000, ... }   # risk-lane thresholds (lanes.ts)
//   regions: { eu: [eu-north-1, device], ... }    # residency → regions that may hold/process the data; CEL `regions`
//   conditions:
//     tenant: { expr: subject.tenant == actor.tenant, message: ..., next: ... }
//   rules:
//     - id: run-steps
//       roles: [field, reviewer, admin]
//       actions: ['step.execute:*']                # exact, or a prefix ending in *
//       contractKinds: [capture, submit]           # optional: only when the context's contract is of these kinds
//       conditions: [tenant, residency, ownership] # all must hold
//
// Fail closed: no document → deny 'no policy loaded'; a condition that errors → that rule does not
// allow (reason given); no rule for the action and role → deny 'no rule allows <action> for role <role>'.
import { msg, type Message } from '../../../shared/messages';
import type { GuardVerdict, PolicyLoadError } from '../../../shared/policy/types';
import { ROLES } from '../../../shared/policy/types';
import type { Lane } from '../../../shared/workflow/types';
import { compileSchema, mostSpecificError } from '../../../shared/validation';
import { badTemplatePaths, compileCel, fillTemplate, lookupPath, runCel, type CelActivation, type CompiledExpr } from './cel';
import { celError, loadError, schemaError, yamlError } from './load-problem';
import { parseYaml, pointerToPath } from '../../platform/util/yaml-source';

const scalar = { type: ['number', 'string', 'boolean'] };
const conditionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['expr', 'message'],
  properties: { expr: { type: 'string', minLength: 1 }, message: { type: 'string', minLength: 1 }, next: { type: 'string', minLength: 1 } },
};

export const policySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'params', 'lanes', 'regions', 'conditions', 'rules'],
  properties: {
    version: { type: 'string', pattern: '^\\d{4}\\.\\d{1,2}\\.\\d+$' },
    description: { type: 'string' },
    params: { type: 'object', additionalProperties: { anyOf: [scalar, { type: 'array', items: scalar }] } },
    lanes: {
      type: 'object',
      additionalProperties: false,
      required: ['amountYellowCents', 'amountRedCents', 'uncertaintyYellow', 'uncertaintyRed', 'piiLane'],
      properties: {
        amountYellowCents: { type: 'integer', minimum: 0 },
        amountRedCents: { type: 'integer', minimum: 0 },
        uncertaintyYellow: { type: 'number', minimum: 0, maximum: 1 },
        uncertaintyRed: { type: 'number', minimum: 0, maximum: 1 },
        piiLane: { enum: ['GREEN', 'YELLOW', 'RED'] },
      },
    },
    regions: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } } },
    conditions: { type: 'object', additionalProperties: conditionSchema },
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'roles', 'actions'],
        properties: {
          id: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
          description: { type: 'string' },
          roles: { type: 'array', minItems: 1, items: { enum: [...ROLES] } },
          actions: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          contractKinds: { type: 'array', minItems: 1, items: { enum: ['capture', 'draft', 'submit'] } },
          conditions: { type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, conditionSchema] } },
        },
      },
    },
  },
} as const;

export interface LaneThresholds {
  amountYellowCents: number;
  amountRedCents: number;
  uncertaintyYellow: number;
  uncertaintyRed: number;
  piiLane: Lane;
}

interface Condition {
  name: string;
  expr: CompiledExpr;
  message: string;
  next: string | null;
}

interface Rule {
  id: string;
  roles: readonly string[];
  actions: readonly string[];
  contractKinds: readonly string[] | null;
  conditions: Condition[];
}

export interface PolicyDocument {
  version: string;
  params: Record<string, unknown>;
  lanes: LaneThresholds;
  regions: Record<string, string[]>;
  rules: Rule[];
  file: string;
}

interface RawCondition {
  expr: string;
  message: string;
  next?: string;
}

interface RawPolicy {
  version: string;
  params: Record<string, unknown>;
  lanes: LaneThresholds;
  regions: Record<string, string[]>;
  conditions: Record<string, RawCondition>;
  rules: { id: string; roles: string[]; actions: string[]; contractKinds?: string[]; conditions?: (string | RawCondition)[] }[];
}

export function parsePolicy(text: string, file: string): { doc: PolicyDocument | null; errors: PolicyLoadError[] } {
  const src = parseYaml(text);
  const errors: PolicyLoadError[] = src.errors.map((e) => yamlError(file, e));
  if (errors.length) return { doc: null, errors };
  if (src.values.length !== 1) return { doc: null, errors: [loadError(file, 0, 'one_document', {}, 'a policy file holds exactly one YAML document')] };
  const raw = src.values[0];
  const validate = compileSchema(policySchema as unknown as Record<string, unknown>);
  if (!validate(raw)) {
    const e = mostSpecificError(validate.errors ?? [], (x) => x.keyword === 'anyOf');
    return { doc: null, errors: [schemaError(file, src.lineOf(0, pointerToPath(e.pointer)), e.path || '/', e.what)] };
  }
  const p = raw as RawPolicy;
  const compileCondition = (name: string, c: RawCondition, path: (string | number)[]): Condition | null => {
    const compiled = compileCel(c.expr);
    if (!compiled.ok) {
      errors.push(celError(file, src.lineOf(0, [...path, 'expr']) + compiled.line - 1, 'condition_cel', { name }, compiled));
      return null;
    }
    for (const [k, t] of [
      ['message', c.message],
      ['next', c.next ?? ''],
    ] as const) {
      const bad = badTemplatePaths(t);
      if (bad.length) {
        const list = bad.join(', ');
        errors.push(
          loadError(
            file,
            src.lineOf(0, [...path, k]),
            'condition_placeholders',
            { name, field: k, list },
            `condition ${name}: ${k} placeholders must be {{dotted.path}}: ${list}`,
          ),
        );
        return null;
      }
    }
    return { name, expr: compiled.expr, message: c.message, next: c.next ?? null };
  };
  const named = new Map<string, Condition>();
  for (const [name, c] of Object.entries(p.conditions)) {
    const cc = compileCondition(name, c, ['conditions', name]);
    if (cc) named.set(name, cc);
  }
  const ids = new Set<string>();
  const rules: Rule[] = [];
  p.rules.forEach((r, i) => {
    if (ids.has(r.id)) errors.push(loadError(file, src.lineOf(0, ['rules', i, 'id']), 'duplicate_rule', { id: r.id }, `duplicate rule id ${r.id}`));
    ids.add(r.id);
    const conds: Condition[] = [];
    (r.conditions ?? []).forEach((c, j) => {
      if (typeof c === 'string') {
        const found = named.get(c);
        if (!found) {
          if (!(c in p.conditions))
            errors.push(
              loadError(
                file,
                src.lineOf(0, ['rules', i, 'conditions', j]),
                'unknown_condition',
                { id: r.id, name: c },
                `rule ${r.id}: unknown condition '${c}'`,
              ),
            );
          return;
        }
        conds.push(found);
      } else {
        const cc = compileCondition(`${r.id}#${j}`, c, ['rules', i, 'conditions', j]);
        if (cc) conds.push(cc);
      }
    });
    rules.push({ id: r.id, roles: r.roles, actions: r.actions, contractKinds: r.contractKinds ?? null, conditions: conds });
  });
  if (p.lanes.amountRedCents < p.lanes.amountYellowCents || p.lanes.uncertaintyRed < p.lanes.uncertaintyYellow) {
    errors.push(loadError(file, src.lineOf(0, ['lanes']), 'lanes_order', {}, 'lanes: RED thresholds must not be below YELLOW thresholds'));
  }
  if (errors.length) return { doc: null, errors };
  return { doc: { version: p.version, params: p.params, lanes: p.lanes, regions: p.regions, rules, file }, errors: [] };
}

const actionMatches = (patterns: readonly string[], action: string): boolean =>
  patterns.some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));

export interface PolicyInput {
  action: string;
  role: string;
  contractKind?: string;
}

export interface PolicyDecision {
  /** The verdict; its reasons are messages (`guard.policy.*`). */
  verdict: GuardVerdict;
  /** When denied: what to do instead (`guard.next.*`). */
  next: Message | null;
}

/** "Ask someone with the reviewer (or admin) role": the other roles as params `a` and `b` (`none` when one). */
const askRoles = (others: string[], action: string): Message => msg('guard.next.ask_role', { a: others[0]!, b: others.slice(1).join(', ') || 'none', action });

/** Why a rule's condition failed: could not be evaluated (which values were missing), not a bool, or its message. */
function conditionReason(
  rule: string,
  c: { name: string; message: string; expr: CompiledExpr },
  r: ReturnType<typeof runCel>,
  native: Record<string, unknown>,
): Message {
  if (!r.ok) {
    const missing = c.expr.paths.filter((p) => lookupPath(native, p) === undefined);
    return missing.length
      ? msg('guard.policy.condition_missing', { rule, condition: c.name, values: missing.join(', ') })
      : msg('guard.policy.condition_error', { rule, condition: c.name, error: r.error });
  }
  if (typeof r.value !== 'boolean') return msg('guard.policy.condition_not_bool', { rule, condition: c.name });
  // The policy author's words (policy.yaml), filled: shown as written.
  return msg('guard.policy.condition_failed', { rule, text: fillTemplate(c.message, native) });
}

/** Decide; never throws (an unexpected error is a deny with its message). */
export function evaluatePolicy(doc: PolicyDocument | null, input: PolicyInput, cel: CelActivation, native: Record<string, unknown>): PolicyDecision {
  if (!doc) return { verdict: { decision: 'deny', reasons: [msg('guard.policy.none_loaded')], policyVersion: null }, next: msg('guard.next.reload_policy') };
  const deny = (reasons: Message[], next: Message | null): PolicyDecision => ({ verdict: { decision: 'deny', reasons, policyVersion: doc.version }, next });
  try {
    const { action, role } = input;
    if (!(ROLES as readonly string[]).includes(role)) return deny([msg('guard.policy.unknown_role', { role })], msg('guard.next.sign_in_role'));
    const forAction = doc.rules.filter(
      (r) => actionMatches(r.actions, action) && (!r.contractKinds || (input.contractKind !== undefined && r.contractKinds.includes(input.contractKind))),
    );
    const candidates = forAction.filter((r) => r.roles.includes(role));
    if (!candidates.length) {
      const others = [...new Set(forAction.flatMap((r) => r.roles))].filter((r) => r !== role);
      const next = others.length ? askRoles(others, action) : msg('guard.next.no_role', { action, version: doc.version });
      return deny([msg('guard.policy.no_rule', { action, role })], next);
    }
    const reasons: Message[] = [];
    let next: Message | null = null;
    for (const rule of candidates) {
      let failed = false;
      for (const c of rule.conditions) {
        const r = runCel(c.expr, cel);
        if (r.ok && r.value === true) continue;
        failed = true;
        reasons.push(conditionReason(rule.id, c, r, native));
        next ??= c.next ? msg('guard.next.policy', { text: fillTemplate(c.next, native) }) : null;
        break;
      }
      if (!failed)
        return {
          verdict: { decision: 'allow', reasons: [msg('guard.policy.allowed', { rule: rule.id, action, role })], policyVersion: doc.version },
          next: null,
        };
    }
    return deny(reasons, next);
  } catch (e) {
    return deny([msg('guard.policy.failed', { error: e instanceof Error ? e.message : String(e) })], msg('guard.next.report_admin'));
  }
}
