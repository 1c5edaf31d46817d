// The allowlist: the only executors a manifest can name. No code, no shell, no plug-ins.
import type { ExecutorName } from '../../../../shared/workflow/types';
import type { Executor } from './types';
import { captureForm } from './capture-form';
import { aiSummarize, aiTranslateVerify, EXTRACTIVE_ID, FALLBACK_MODEL } from './ai';
import { classifyRisk, reviewGate, RULE_RISK_ID } from './risk';
import { submit } from './submit';

export type { Executor, ExecutorDeps, StepContext, StepResult, Estimate, AiFacts, Compensation, CompensationContext, PriorStep } from './types';
export { FALLBACK_MODEL, EXTRACTIVE_ID, RULE_RISK_ID };

/**
 * The model ids the AI steps report when no local model runs (ai-summarize, ai-translate-verify,
 * classify-risk): a policy's `allowedModels` must list them (and the model bundles' ids), or
 * INV.AI.MODEL_ALLOWED blocks the step.
 */
export const AI_FALLBACK_IDS: readonly string[] = Object.freeze([EXTRACTIVE_ID, FALLBACK_MODEL, RULE_RISK_ID]);

export const EXECUTOR_REGISTRY: Readonly<Record<ExecutorName, Executor>> = Object.freeze({
  'capture-form': captureForm,
  'ai-summarize': aiSummarize,
  'ai-translate-verify': aiTranslateVerify,
  'classify-risk': classifyRisk,
  'review-gate': reviewGate,
  submit,
});
