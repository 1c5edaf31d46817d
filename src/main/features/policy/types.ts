// Plain data of the policy feature that other features (AI steps, inference) may import.
import type { Message } from '../../../shared/messages';
import type { InjectionReport } from '../../../shared/policy/types';
import type { Lane } from '../../../shared/workflow/types';

export type RiskLevel = 'low' | 'medium' | 'high';

export interface RiskClass {
  level: RiskLevel;
  /** The guard's lane this level is (GREEN low, YELLOW medium, RED high). */
  lane: Lane;
  /** One message per rule that raised it, with its numbers (`guard.lane.*`). */
  reasons: Message[];
  /** The injection scan over the free text (null when there was none). */
  injection: InjectionReport | null;
}
