// Plain data of the policy feature that other features (AI steps, inference) may import.
import type { InjectionReport } from '../../../shared/policy/types';
import type { Lane } from '../../../shared/workflow/types';

export type RiskLevel = 'low' | 'medium' | 'high';

export interface RiskClass {
  level: RiskLevel;
  /** The guard's lane this level is (GREEN low, YELLOW medium, RED high). */
  lane: Lane;
  /** One sentence per rule that raised it, with its numbers. */
  reasons: string[];
  /** The injection scan over the free text (null when there was none). */
  injection: InjectionReport | null;
}
