import { withCause } from '../../../shared/error-messages';
import { msg, type Message } from '../../../shared/messages';
import type { HealthRegistry } from '../../platform/health';
import type { ModelSlotStatus } from '../../../shared/memory/types';
import type { InferenceService } from './types';

const slot = (x: ModelSlotStatus) =>
  `${x.arm === 'model' ? x.id : `fallback ${x.id}`} (${x.state}${x.backend ? `, ${x.backend}` : ''}${x.device ? ` ${x.device}` : ''}${x.offloadedLayers !== null ? `, ${x.offloadedLayers} layers on GPU` : ''})`;

/** A slot as the view says it (health.check.inference.models.slot): `none` where the English leaves a part out. */
const slotMessage = (which: 'text' | 'embedding', x: ModelSlotStatus): Message =>
  msg('health.check.inference.models.slot', {
    slot: which,
    arm: x.arm,
    id: x.id,
    state: x.state,
    backend: x.backend ?? 'none',
    device: x.device || 'none',
    layers: x.offloadedLayers ?? 'none',
  });

/** inference.models: warn when a slot's model failed to load (its fallback serves); ok otherwise. */
export function registerInferenceHealth(health: HealthRegistry, inference: Pick<InferenceService, 'status'>): void {
  health.register('inference.models', () => {
    const st = inference.status();
    const bad = st.text.state === 'error' || st.embedding.state === 'error';
    return {
      service: 'inference',
      status: bad ? 'warn' : 'ok',
      summary: `Text: ${slot(st.text)}; embeddings: ${slot(st.embedding)}.${st.text.fallbackReason ? ` ${st.text.fallbackReason}.` : ''}`,
      // Each slot, then why the text slot is on its fallback (models.*, else its English as it is).
      messages: [
        slotMessage('text', st.text),
        slotMessage('embedding', st.embedding),
        ...(st.text.fallbackReason ? [withCause(msg('health.check.inference.models.reason'), st.text.fallbackWhy ?? st.text.fallbackReason)] : []),
      ],
      figures: {
        textArm: st.text.arm,
        textBackend: st.text.backend,
        device: st.text.device,
        vramBytes: st.text.vramBytes,
        offloadedLayers: st.text.offloadedLayers,
        tokensPerSecond: st.text.tokensPerSecond,
        embeddingArm: st.embedding.arm,
      },
    };
  });
}
