// A GPU that failed is a decision: the model runs on the CPU, slower; the card says why.
import type { NewCard } from '../cards/types';
import type { CardRecorder } from './ports';

/** The `model.fallback` card of a text model loaded on the CPU because its GPU failed. */
export function gpuFallbackCard(model: string, reason: string, policyVersion: string | null): NewCard {
  return {
    kind: 'model.fallback',
    runId: '',
    stepId: null,
    subject: `Run ${model} on the CPU`,
    options: [
      { id: 'cpu', label: 'Load on the CPU (slower)', predictedQuality: 1, predictedCostCents: 0, latencyMs: 0, uncertainty: 0 },
      { id: 'gpu', label: 'Load on the GPU', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 1 },
    ],
    chosen: 'cpu',
    rationale: `The GPU could not be used: ${reason}`,
    invariants: [],
    policy: { decision: 'allow', reasons: ['model runs on the CPU instead of the GPU'], policyVersion },
    lane: 'YELLOW',
    laneReasons: ['GPU unavailable'],
    evidence: { memoryIds: [], bundleDigests: [], modelId: model },
    nextSafeStep: 'Check the GPU driver (Health → models), then reload models',
    status: 'allowed',
  };
}

/** Records the card (actor `service:inference`). */
export function recordGpuFallback(cards: CardRecorder, model: string, reason: string, policyVersion: string | null): void {
  cards.record(gpuFallbackCard(model, reason, policyVersion), 'service:inference');
}
