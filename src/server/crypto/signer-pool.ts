// Ed25519 signing off the main thread. A batch of 100 items needs 100 receipt signatures, the
// largest single cost of ingest; worker threads sign them while the main thread writes earlier
// batches (storage/sqlite-sync.ts ingestBatch, decision 0038). Small requests are signed inline:
// posting to a worker costs more than a handful of signatures.
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { signBase64 } from '../../platform/ed25519';

export interface Signer {
  /** base64 signatures in the order of `messages` (UTF-8 strings). */
  signMany(messages: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/** Below this many messages a batch is signed on the calling thread. */
export const INLINE_MAX = 16;

// Plain CommonJS evaluated in the worker: no loader or transpiler needed (tsx, vitest, node alike).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { sign } = require('node:crypto');
const key = workerData.key;
parentPort.on('message', (m) => {
  try {
    parentPort.postMessage({ id: m.id, signatures: m.messages.map((s) => sign(null, Buffer.from(s, 'utf8'), key).toString('base64')) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

type Reply = { id: number; signatures?: string[]; error?: string };

export function defaultSignerThreads(): number {
  // Leave a core for the event loop, which writes the rows meanwhile.
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}

export function createSigner(privateKey: KeyObject, threads: number = defaultSignerThreads()): Signer {
  let workers: Worker[] | null = null;
  let broken = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: (s: string[]) => void; reject: (e: Error) => void }>();

  const failAll = (err: Error): void => {
    broken = true; // from now on sign inline: slower, never wrong
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const start = (): Worker[] => {
    workers ??= Array.from({ length: threads }, () => {
      // The KeyObject is cloned into the worker; the PEM never travels as a string.
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { key: privateKey } });
      w.unref(); // idle signers must not keep a CLI or a test process alive
      w.on('message', (r: Reply) => {
        const p = pending.get(r.id);
        if (!p) return;
        pending.delete(r.id);
        if (r.signatures) p.resolve(r.signatures);
        else p.reject(new Error(`signer worker: ${r.error ?? 'no result'}`));
      });
      w.on('error', failAll);
      w.on('exit', (code) => {
        if (code !== 0) failAll(new Error(`signer worker exited with ${code}`));
      });
      return w;
    });
    return workers;
  };
  const inline = (messages: readonly string[]): string[] => messages.map((m) => signBase64(privateKey, m));

  return {
    async signMany(messages) {
      if (messages.length <= INLINE_MAX || broken) return inline(messages);
      const pool = start();
      const size = Math.ceil(messages.length / pool.length);
      const parts = pool.map((w, i) => {
        const chunk = messages.slice(i * size, (i + 1) * size);
        if (chunk.length === 0) return Promise.resolve([]);
        const id = nextId++;
        return new Promise<string[]>((resolve, reject) => {
          pending.set(id, { resolve, reject });
          w.postMessage({ id, messages: chunk });
        });
      });
      return (await Promise.all(parts)).flat();
    },
    async close() {
      const ws = workers ?? [];
      workers = null;
      await Promise.all(ws.map((w) => w.terminate()));
    },
  };
}
