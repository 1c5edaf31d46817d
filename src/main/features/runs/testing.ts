// Fake guards for tests and the crash-resume child process (the real one is src/main/features/policy).
// They follow the policy engine's contract: lanes from the contract's riskHints over the data, and
// INV.APPROVAL.RED failing at the review gate and the submit while the lane is RED and unapproved.
import { msg, type Message } from '../../../shared/messages';
import type { GuardContext, GuardResult } from '../../../shared/policy/types';
import type { Lane } from '../../../shared/workflow/types';
import { ARM_OPTION_ID, chooseArm } from '../inference/router';
import { EXTRACTIVE_ID, extractiveSummary, RULE_RISK_ID } from '../inference/fallbacks';
import { ruleBasedRiskClass } from '../policy/risk-class';
import { isInjection } from '../policy/injection';
import { FALLBACK_MODEL } from './executors/index';
import type { Guard } from './guard';
import type { AiKit } from './ports';

export { EXTRACTIVE_ID, RULE_RISK_ID };

/** The real router, fallbacks and injection check (what src/main/app/services.ts passes). */
export const aiKit: AiKit = {
  chooseArm,
  armOptionId: ARM_OPTION_ID,
  extractiveId: EXTRACTIVE_ID,
  extractiveSummary,
  ruleRiskId: RULE_RISK_ID,
  ruleBasedRiskClass,
  isInjection,
};

/**
 * The model ids the AI steps report when no local model runs (ai-summarize, ai-translate-verify,
 * classify-risk): a policy's `allowedModels` must list them (and the model bundles' ids), or
 * INV.AI.MODEL_ALLOWED blocks the step.
 */
export const AI_FALLBACK_IDS: readonly string[] = Object.freeze([EXTRACTIVE_ID, FALLBACK_MODEL, RULE_RISK_ID]);

/** `field == 'value'` (the form the shipped contracts use); anything else is not evaluated here. */
function redWhenHolds(expr: unknown, data: Record<string, unknown> | undefined): boolean {
  if (typeof expr !== 'string') return false;
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*==\s*'([^']*)'\s*$/.exec(expr);
  return !!m && data?.[m[1]!] === m[2];
}

export function laneOf(ctx: GuardContext): { lane: Lane; reasons: Message[] } {
  const hints = ctx.contract?.riskHints ?? {};
  if (redWhenHolds(hints.redWhen, ctx.data)) return { lane: 'RED', reasons: [msg('guard.lane.red_rule', { rule: String(hints.redWhen) })] };
  const u = ctx.ai?.uncertainty;
  if (typeof u === 'number' && u > 0.8) return { lane: 'RED', reasons: [msg('guard.lane.uncertainty_red', { value: u, limit: 0.8 })] };
  const d = (hints.defaultLane as Lane | undefined) ?? 'GREEN';
  if (typeof u === 'number' && u > 0.5 && d === 'GREEN') return { lane: 'YELLOW', reasons: [msg('guard.lane.uncertainty_yellow', { value: u, limit: 0.5 })] };
  return { lane: d, reasons: [msg('guard.lane.default', { name: ctx.contract?.contract ?? 'none', lane: d })] };
}

export interface FakeGuardOptions {
  /** Deny (policy) these actions, e.g. `step.execute:submit`. */
  denyActions?: string[];
  /** Override the lane. */
  lane?: (ctx: GuardContext) => Lane | undefined;
  /** Enforce INV.APPROVAL.RED at review-gate and submit (default true). */
  approvalInvariant?: boolean;
  /** Record every context the guard saw. */
  seen?: GuardContext[];
}

export function fakeGuard(o: FakeGuardOptions = {}): Guard {
  return {
    guard(ctx): GuardResult {
      o.seen?.push(structuredClone(ctx));
      const base = laneOf(ctx);
      const forced = o.lane?.(ctx);
      const lane = forced ?? base.lane;
      const laneReasons = forced ? [msg('guard.lane.forced', { lane: forced })] : base.reasons;
      const denied = o.denyActions?.includes(ctx.action) ?? false;
      const policy = denied
        ? { decision: 'deny' as const, reasons: [msg('guard.policy.no_rule', { action: ctx.action, role: ctx.actor.role })], policyVersion: 'test' }
        : {
            decision: 'allow' as const,
            reasons: [msg('guard.policy.allowed', { rule: 'test', action: ctx.action, role: ctx.actor.role })],
            policyVersion: 'test',
          };
      const invariants = [];
      if ((o.approvalInvariant ?? true) && ctx.event === 'step.before' && (ctx.step?.executor === 'review-gate' || ctx.step?.executor === 'submit')) {
        const pass = lane !== 'RED' || ctx.approval?.state === 'approved';
        invariants.push({
          id: 'INV.APPROVAL.RED',
          pass,
          message: pass ? null : `A RED-lane ${ctx.step.executor} needs a reviewer's approval (approval is ${ctx.approval?.state ?? 'missing'})`,
          values: { lane, 'approval.state': ctx.approval?.state ?? null },
        });
      }
      const allowed = !denied && invariants.every((i) => i.pass);
      return {
        allowed,
        policy,
        invariants,
        lane,
        laneReasons,
        injection: null,
        nextSafeStep: allowed
          ? null
          : denied
            ? msg('guard.next.ask_admin_allow', { action: ctx.action })
            : msg('guard.next.reviewer_decides', { run: ctx.run?.id ?? '' }),
      };
    },
  };
}

export const allowAllGuard = (): Guard => fakeGuard({ approvalInvariant: false });
