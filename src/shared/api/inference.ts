// models.*, inference.*: local models (src/main/features/inference).
import { Type } from '@sinclair/typebox';
import type { ModelStatus } from '../memory/types';
import { modelStatusSchema } from '../memory/schemas';
import { channel, empty, foreign, obj, shortText } from './channel';

const modelStatus = foreign<ModelStatus>(modelStatusSchema);

export const inferenceChannels = {
  'models.status': channel(
    'Text and embedding model slots: arm, backend, device, VRAM, offloaded layers, tokens/s, fallback reason, load progress.',
    empty,
    modelStatus,
  ),
  'models.reload': channel('Reload models from the active verified model bundles.', empty, modelStatus),
  /** Abort running generations (all, or one run's). */
  'inference.abort': channel(
    'Abort running generations (all, or one run’s).',
    obj({ runId: Type.Optional(shortText(100)) }),
    obj({ aborted: Type.Integer({ minimum: 0 }) }),
  ),
};

export const inferenceEvents = {
  /** Model load progress and status changes. */
  'models.status': modelStatus,
};
