// models.* and inference.* handlers (channels: src/shared/api/inference.ts). (./api.ts is the inference surface.)
import type { HandlersFor } from '../../../shared/api/channel';
import type { inferenceChannels } from '../../../shared/api/inference';
import type { InferenceService } from './types';

export function inferenceApi({ inference }: { inference: InferenceService }): HandlersFor<typeof inferenceChannels> {
  return {
    'models.status': () => inference.status(),
    'models.reload': () => inference.reload(),
    'inference.abort': (input) => ({ aborted: inference.abort(input.runId) }),
  };
}
