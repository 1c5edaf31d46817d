import { useTranslation } from 'react-i18next';
import type { MemoryTier } from '../../../shared/memory/types';

/** A memory tier as a coloured pill (core, working, episodic, semantic, procedural). */
export function TierBadge({ tier }: { tier: MemoryTier }) {
  const { t } = useTranslation('memory');
  return (
    <span className={`badge tier-${tier}`} data-testid="tier-badge">
      {t(`tier.${tier}`)}
    </span>
  );
}
