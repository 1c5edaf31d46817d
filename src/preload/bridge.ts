// Type of `window.maestro`. Types only: the renderer imports this, never the preload code.
import type { ChannelName, EventName, Events, Req, Res } from '../shared/api/index';
import type { ApiResult } from '../shared/errors';

export interface MaestroBridge {
  api: { [K in ChannelName]: (input: Req<K>) => Promise<ApiResult<Res<K>>> };
  on<K extends EventName>(name: K, cb: (payload: Events[K]) => void): () => void;
}
