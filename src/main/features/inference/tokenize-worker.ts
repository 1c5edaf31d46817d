// Tokenising a big batch on a worker thread (memory's embed-behind and re-embedding send 64 texts at
// a time): @huggingface/tokenizers is plain JavaScript, ~70 µs a short text here, and on the main
// thread that was a fifth of what memory.ingest cost per item (issue 20, decision 0043). The worker
// gets the tokenizer's JSON the main thread already read from the verified bundle (it never reads
// the files itself) and answers token ids, packed in one Int32Array with the end of each list.
// The ONNX session stays on the main thread (onnxruntime-node in worker threads is not reliable).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Tokenizer } = require(workerData.module);
const tokenizer = new Tokenizer(workerData.json, workerData.config);
parentPort.on('message', ({ id, texts }) => {
  try {
    const lists = texts.map((t) => tokenizer.encode(t).ids);
    let n = 0;
    for (const l of lists) n += l.length;
    const ids = new Int32Array(n);
    const ends = new Int32Array(lists.length);
    let at = 0;
    lists.forEach((l, i) => {
      ids.set(l, at);
      at += l.length;
      ends[i] = at;
    });
    parentPort.postMessage({ id, ids, ends }, [ids.buffer, ends.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: String((e && e.message) || e) });
  }
});
`;

export interface TokenizeWorker {
  /** Each text's token ids (the tokenizer's encode, nothing cut); rejects once the worker has failed. */
  encode(texts: string[]): Promise<number[][]>;
  /** False once the worker failed or was closed: callers tokenise on their own thread again. */
  readonly alive: boolean;
  close(): Promise<void>;
}

type Reply = { id: number; ids?: Int32Array; ends?: Int32Array; error?: string };

/** A worker with its own copy of the tokenizer built from `json` and `config` (the bundle's tokenizer.json and tokenizer_config.json). */
export function startTokenizeWorker(json: object, config: object): TokenizeWorker {
  const module = createRequire(import.meta.url).resolve('@huggingface/tokenizers');
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, json, config } });
  w.unref();
  let alive = true;
  let seq = 0;
  const pending = new Map<number, { resolve: (v: number[][]) => void; reject: (e: Error) => void }>();
  const failAll = (e: Error) => {
    alive = false;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  w.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    // Idle, the worker must not keep the process alive; while asked, it must.
    if (pending.size === 0) w.unref();
    if (!p) return;
    if (m.error !== undefined || !m.ids || !m.ends) return p.reject(new Error(`tokenizer worker: ${m.error ?? 'no answer'}`));
    const out: number[][] = [];
    let start = 0;
    for (const end of m.ends) {
      out.push(Array.from(m.ids.subarray(start, end)));
      start = end;
    }
    p.resolve(out);
  });
  w.on('error', (e) => failAll(e));
  w.on('exit', (code) => failAll(new Error(`tokenizer worker exited with code ${code}`)));
  return {
    get alive() {
      return alive;
    },
    encode: (texts) =>
      new Promise((resolve, reject) => {
        if (!alive) return reject(new Error('tokenizer worker is not running'));
        const id = ++seq;
        pending.set(id, { resolve, reject });
        w.ref();
        w.postMessage({ id, texts });
      }),
    close: async () => {
      if (!alive) return;
      alive = false;
      await w.terminate();
    },
  };
}
