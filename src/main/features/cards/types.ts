// Plain data of decision cards that other features hand to the card store (through their ports).
import type { Approval, DecisionCard } from '../../../shared/workflow/types';

/** What a caller supplies; the store adds id, createdAt, auditHash (and the default approval). */
export type NewCard = Omit<DecisionCard, 'id' | 'createdAt' | 'auditHash' | 'approval'> & { approval?: Approval };
