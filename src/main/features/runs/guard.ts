// How the engine reads the policy engine's answers. The guard itself is a port (./ports.ts Guard:
// src/main/features/policy PolicyEngine.guard fits it; tests use the fakes in ./testing).
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
    policy: { decision: 'deny', reasons: [`guard failed: ${reason}`], policyVersion: null },
    invariants: [],
    lane: 'RED',
    laneReasons: [`The guard failed (${reason}), so RED.`],
    injection: null,
    nextSafeStep: 'Report this to an admin; the step stays blocked until the guard works again',
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

/** Why it was not allowed, in sentences. */
export function reasonsOf(g: GuardResult, engine: InvariantResult[]): string[] {
  return [
    ...(g.policy.decision === 'deny' ? g.policy.reasons : []),
    ...[...g.invariants, ...engine]
      .filter((i) => !i.pass)
      .map((i) => `${i.id}: ${i.message ?? i.error ?? 'failed'}${i.error && i.message ? ` (${i.error})` : ''}`),
  ];
}
