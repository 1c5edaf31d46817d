// What the inference feature needs from other features (structural: their services satisfy these).
import type { BundleChange, VerifiedModel } from '../bundles/types';
import type { NewCard } from '../cards/types';
import type { ModelInfo } from '../../../shared/bundles/types';

export type { VerifiedModel } from '../bundles/types';

/** The verified model bundles (features/bundles' store): models load only through here. */
export interface ModelBundles {
  /** The active, verified model bundles of one role; a model whose files changed is left out (quarantined). */
  verifiedModels(role?: ModelInfo['role']): VerifiedModel[];
  /** A new, activated or quarantined bundle reloads its slot. */
  subscribe(listener: (c: BundleChange) => void): () => void;
}

/** Records a decision card (features/cards' store). */
export interface CardRecorder {
  record(card: NewCard, actor: string): unknown;
}
