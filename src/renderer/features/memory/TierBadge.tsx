import type { MemoryTier } from '../../../shared/memory/types';

/** A memory tier as a coloured pill (core, working, episodic, semantic, procedural). */
export function TierBadge({ tier }: { tier: MemoryTier }) {
  return (
    <span className={`badge tier-${tier}`} data-testid="tier-badge">
      {tier}
    </span>
  );
}
