import type { EventName, Events } from '../../shared/api/types';

export type Listener = <K extends EventName>(name: K, payload: Events[K]) => void;

/** Push events to the renderer (IPC `webContents.send`, or server-sent events on the web host). */
export interface EventBus {
  emit<K extends EventName>(name: K, payload: Events[K]): void;
  subscribe(listener: Listener): () => void;
}

export function createEventBus(): EventBus {
  const listeners = new Set<Listener>();
  return {
    emit(name, payload) {
      for (const l of listeners) l(name, payload);
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}
