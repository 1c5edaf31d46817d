// The rule-based risk class (rule-risk@1, the no-model arm of classify-risk): the lane the guard
// gives a run (lanes.ts classifyLane, with the plaintext-PII check and the prompt-injection scan
// over the free text), as classify-risk reports it, mapped to low / medium / high: the same rules,
// not a second set.
import type { AiInput, GuardContract } from '../../../shared/policy/types';
import type { Lane } from '../../../shared/workflow/types';
import { textFields } from '../../../shared/text';
import { classifyLane, DEFAULT_LANE_THRESHOLDS, findPlaintextPii } from './lanes';
import type { LaneThresholds } from './policy';
import { detectInjection } from './injection';
import type { RiskClass, RiskLevel } from './types';

export type { RiskClass } from './types';

export interface RiskClassOptions {
  /** The data contract (riskHints: defaultLane, redWhen, amountField; pii pointers). */
  contract?: GuardContract;
  /** Uncertainty (0..1) of the model output the fields came from, if any. */
  uncertainty?: number;
  thresholds?: LaneThresholds;
  /** Texts to scan for prompt injection; default: the free text of `fields` (textFields). */
  texts?: readonly (AiInput | string)[];
}

const LEVEL: Record<Lane, RiskLevel> = { GREEN: 'low', YELLOW: 'medium', RED: 'high' };

/** The risk of a record's fields by the guard's lane rules (see top). Never throws. */
export function ruleBasedRiskClass(fields: Record<string, unknown>, o: RiskClassOptions = {}): RiskClass {
  const texts = o.texts ?? textFields(fields).map((t): AiInput => ({ source: 'capture', text: t.text, id: t.path }));
  const injection = texts.length ? detectInjection(texts) : null;
  const plaintextPii = findPlaintextPii(o.contract?.pii, fields);
  const { lane, reasons } = classifyLane(
    { contract: o.contract, data: fields, plaintextPii, uncertainty: o.uncertainty, injection },
    o.thresholds ?? DEFAULT_LANE_THRESHOLDS,
  );
  return { level: LEVEL[lane], lane, reasons, injection };
}
