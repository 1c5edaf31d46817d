// The allowlist: the only executors a manifest can name. No code, no shell, no plug-ins.
import type { ExecutorName } from '../../../../shared/workflow/types';
import type { Executor } from './types';
import { captureForm } from './capture-form';
import { aiSummarize } from './ai-summarize';
import { aiTranslateVerify } from './ai-translate';
import { FALLBACK_MODEL } from './ai-common';
import { classifyRisk, reviewGate } from './risk';
import { submit } from './submit';

export type { Executor, ExecutorDeps, StepContext, StepResult, Estimate, AiFacts, PriorStep } from './types';
export { FALLBACK_MODEL };

export const EXECUTOR_REGISTRY: Readonly<Record<ExecutorName, Executor>> = Object.freeze({
  'capture-form': captureForm,
  'ai-summarize': aiSummarize,
  'ai-translate-verify': aiTranslateVerify,
  'classify-risk': classifyRisk,
  'review-gate': reviewGate,
  submit,
});
