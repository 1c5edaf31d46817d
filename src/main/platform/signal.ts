// A synchronous in-process signal: emit() calls each listener in turn, in the emitter's stack (and so
// inside its transaction); a listener that throws aborts the emit, as a direct call would. Lets a
// service announce changes to others built after it without knowing them.
export interface Signal<T> {
  emit(value: T): void;
  subscribe(fn: (value: T) => void): () => void;
}

export function createSignal<T>(): Signal<T> {
  const listeners = new Set<(value: T) => void>();
  return {
    emit: (value) => {
      for (const fn of listeners) fn(value);
    },
    subscribe: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
