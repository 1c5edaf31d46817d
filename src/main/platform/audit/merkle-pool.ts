// Inclusion proofs verified in parallel: one SHA-256 per proof level makes a proof cost ~20 hashes
// for a million entries, and a single core does ~800k small hashes/s here, so bulk verification
// (disclosure packs, audits of many entries) spreads batches over worker threads.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { verifyInclusion, type MerkleHasher } from '../../../shared/merkle';

export interface InclusionItem {
  leafHash: Uint8Array;
  index: number;
  proof: readonly Uint8Array[];
}

/** A batch encoded once (the same layout the worker reads), so it can be verified repeatedly. */
export interface EncodedBatch {
  size: number;
  root: Uint8Array;
  leaves: Uint8Array;
  indices: Float64Array;
  offsets: Uint32Array;
  nodes: Uint8Array;
}

export function encodeBatch(size: number, root: Uint8Array, items: readonly InclusionItem[]): EncodedBatch {
  const total = items.reduce((n, it) => n + it.proof.length, 0);
  const leaves = new Uint8Array(items.length * 32);
  const indices = new Float64Array(items.length);
  const offsets = new Uint32Array(items.length + 1);
  const nodes = new Uint8Array(total * 32);
  let k = 0;
  items.forEach((it, i) => {
    // A malformed leaf or node fails the proof (zeros never hash to a real root) rather than throwing.
    if (it.leafHash.length === 32) leaves.set(it.leafHash, i * 32);
    indices[i] = it.index;
    offsets[i] = k;
    for (const p of it.proof) {
      if (p.length === 32) nodes.set(p, k * 32);
      k++;
    }
  });
  offsets[items.length] = k;
  return { size, root, leaves, indices, offsets, nodes };
}

function slice(b: EncodedBatch, from: number, to: number): EncodedBatch {
  const a = b.offsets[from]!;
  const z = b.offsets[to]!;
  const offsets = new Uint32Array(to - from + 1);
  for (let i = from; i <= to; i++) offsets[i - from] = b.offsets[i]! - a;
  return {
    size: b.size,
    root: b.root,
    leaves: b.leaves.slice(from * 32, to * 32),
    indices: b.indices.slice(from, to),
    offsets,
    nodes: b.nodes.slice(a * 32, z * 32),
  };
}

const PARALLEL_THRESHOLD = 256;

export class MerkleVerifyPool {
  private workers: Worker[] = [];
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (o: Uint8Array) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly resourcesDir: string,
    private readonly size = Math.max(1, Math.min(4, availableParallelism())),
  ) {}

  private ensure(): Worker[] {
    if (!this.workers.length) {
      for (let i = 0; i < this.size; i++) {
        const w = new Worker(join(this.resourcesDir, 'workers', 'merkle-verify.mjs'), { execArgv: [] });
        w.on('message', (m: { id: number; out: Uint8Array }) => {
          this.pending.get(m.id)?.resolve(m.out);
          this.pending.delete(m.id);
          if (!this.pending.size) for (const x of this.workers) x.unref();
        });
        w.on('error', (e) => this.fail(e));
        w.unref();
        this.workers.push(w);
      }
    }
    return this.workers;
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    void this.close();
  }

  /** One boolean per item, in order, for proofs in the tree of `size` with `root`; small batches stay on this thread. */
  async verify(h: MerkleHasher, size: number, root: Uint8Array, items: readonly InclusionItem[]): Promise<boolean[]> {
    if (items.length < PARALLEL_THRESHOLD || this.size === 1) return items.map((it) => verifyInclusion(h, it.leafHash, it.index, size, it.proof, root));
    return this.verifyEncoded(encodeBatch(size, root, items));
  }

  /** A pre-encoded batch, always on the workers. */
  async verifyEncoded(batch: EncodedBatch): Promise<boolean[]> {
    const n = batch.indices.length;
    const workers = this.ensure();
    const per = Math.ceil(n / workers.length);
    const parts = await Promise.all(
      workers.map((w, i) => {
        const from = Math.min(n, i * per);
        const to = Math.min(n, (i + 1) * per);
        if (from === to) return Promise.resolve(new Uint8Array(0));
        const id = ++this.seq;
        const part = slice(batch, from, to);
        w.ref();
        return new Promise<Uint8Array>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          w.postMessage({ id, ...part }, [part.leaves.buffer, part.indices.buffer, part.offsets.buffer, part.nodes.buffer] as ArrayBuffer[]);
        });
      }),
    );
    const out: boolean[] = [];
    for (const p of parts) for (const v of p) out.push(v === 1);
    return out;
  }

  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
