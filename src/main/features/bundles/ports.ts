// What the bundle store needs from other features (structural: their services satisfy these).
import type { NewCard } from '../cards/types';

/** Records a decision card (a quarantine); features/cards' store satisfies it. */
export interface CardRecorder {
  record(card: NewCard, actor: string): unknown;
}
