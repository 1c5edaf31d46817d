// How the engine reads the policy engine's answers. The guard itself is a port (./ports.ts Guard:
// src/main/features/policy PolicyEngine.guard fits it; tests use the fakes in ./testing).
import { msg } from '../../../shared/messages';
import { reasonForLog, type Reason } from '../../../shared/policy/reasons';
import type { GuardResult } from '../../../shared/policy/types';
import type { InvariantResult } from '../../../shared/workflow/types';

export type { GuardResult };
export type { Guard } from './ports';

/**
 * Invariants whose failure alone means "a reviewer must approve first" rather than "refused": the
 * approval invariants by name (INV.APPROVAL, INV.APPROVAL.*), and any invariant that reads
 * `approval.state` (e.g. "uncertainty <= 0.5 unless approved"): an approval may make it pass. If it
 * still fails once approved, the step is blocked.
 */
export const isApprovalInvariantDefault = (r: InvariantResult): boolean =>
  /^INV\.APPROVAL(\.|$)/.test(r.id) || Object.prototype.hasOwnProperty.call(r.values, 'approval.state');

/** What a guard that threw (or returned nonsense) decided: deny, RED, with the reason. Fail closed. */
export function failClosed(reason: string): GuardResult {
  return {
    allowed: false,
    policy: { decision: 'deny', reasons: [msg('guard.policy.guard_failed', { reason })], policyVersion: null },
    invariants: [],
    lane: 'RED',
    laneReasons: [msg('guard.lane.guard_failed', { reason })],
    injection: null,
    nextSafeStep: msg('guard.next.guard_failed'),
  };
}

export function isGuardResult(v: unknown): v is GuardResult {
  const r = v as GuardResult;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof r.allowed === 'boolean' &&
    typeof r.policy === 'object' &&
    r.policy !== null &&
    Array.isArray(r.invariants) &&
    typeof r.lane === 'string' &&
    Array.isArray(r.laneReasons)
  );
}

export type Verdict = 'allow' | 'wait' | 'block';

/**
 * allow: the guard allowed and the engine's own checks pass. wait: the policy allows and the only
 * failures are approval invariants (and no approval was given yet). block: anything else.
 */
export function judge(g: GuardResult, engine: InvariantResult[], approved: boolean, isApproval: (r: InvariantResult) => boolean): Verdict {
  if (engine.some((i) => !i.pass)) return 'block';
  if (g.allowed) return 'allow';
  const failed = g.invariants.filter((i) => !i.pass);
  if (!approved && g.policy.decision === 'allow' && failed.length > 0 && failed.every((i) => isApproval(i) && !i.error)) return 'wait';
  return 'block';
}

/** Why it was not allowed, one each: the policy's reasons (messages), then the failed invariants (their own words). */
export function reasonWordsOf(g: GuardResult, engine: InvariantResult[]): Reason[] {
  return [
    ...(g.policy.decision === 'deny' ? g.policy.reasons : []),
    ...[...g.invariants, ...engine]
      .filter((i) => !i.pass)
      .map((i) => `${i.id}: ${i.message ?? i.error ?? 'failed'}${i.error && i.message ? ` (${i.error})` : ''}`),
  ];
}

/** reasonWordsOf in log form, one line each: the policy's reasons as codes with params, then the failed invariants. */
export function reasonsOf(g: GuardResult, engine: InvariantResult[]): string[] {
  return reasonWordsOf(g, engine).map(reasonForLog);
}
