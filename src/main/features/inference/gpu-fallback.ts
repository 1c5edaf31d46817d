// A GPU that failed is a decision: the model runs on the CPU, slower; the card says why.
import { msg } from '../../../shared/messages';
import type { NewCard } from '../cards/types';
import type { CardRecorder } from './ports';

/** The `model.fallback` card of a text model loaded on the CPU because its GPU failed. */
export function gpuFallbackCard(model: string, reason: string, policyVersion: string | null): NewCard {
  return {
    kind: 'model.fallback',
    runId: '',
    stepId: null,
    subject: `Run ${model} on the CPU`,
    subjectWords: { text: msg('system.gpu.subject', { model }) },
    options: [
      {
        id: 'cpu',
        label: 'Load on the CPU (slower)',
        labelWords: { text: msg('system.gpu.cpu_option') },
        predictedQuality: 1,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 0,
      },
      {
        id: 'gpu',
        label: 'Load on the GPU',
        labelWords: { text: msg('system.gpu.gpu_option') },
        predictedQuality: 0,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 1,
      },
    ],
    chosen: 'cpu',
    rationale: `The GPU could not be used: ${reason}`,
    // The reason is the backend's own account of the failure.
    rationaleWords: { text: msg('system.gpu.rationale', { reason }) },
    invariants: [],
    policy: { decision: 'allow', reasons: [msg('guard.policy.cpu_instead', { model })], policyVersion },
    lane: 'YELLOW',
    laneReasons: [msg('guard.lane.gpu_unavailable')],
    evidence: { memoryIds: [], bundleDigests: [], modelId: model },
    nextSafeStep: msg('guard.next.check_gpu'),
    status: 'allowed',
  };
}

/** Records the card (actor `service:inference`). */
export function recordGpuFallback(cards: CardRecorder, model: string, reason: string, policyVersion: string | null): void {
  cards.record(gpuFallbackCard(model, reason, policyVersion), 'service:inference');
}
