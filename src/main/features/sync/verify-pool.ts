import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { decodeCanonicalBase64, verifyBase64 } from '../../../platform/ed25519';

/** Below this many signatures the hop to a worker costs more than it saves. */
const PARALLEL_THRESHOLD = 48;

/**
 * Ed25519 verification spread over worker threads (one per core, at most 4). Verification is the
 * slow half of Ed25519 (~9k/s per core here), so receipts of a large sync are checked in parallel.
 */
const spkiCache = new WeakMap<KeyObject, string>();
/** The key as base64 SPKI DER for the workers, exported once per key object (an export per batch was ~1 ms here). */
function spkiBase64(key: KeyObject): string {
  let der = spkiCache.get(key);
  if (der === undefined) spkiCache.set(key, (der = (key.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64')));
  return der;
}

export class VerifyPool {
  private workers: Worker[] = [];
  private seq = 0;
  private readonly pending = new Map<number, { worker: Worker; resolve: (out: Uint8Array) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly resourcesDir: string,
    private readonly size = Math.max(1, Math.min(4, availableParallelism())),
  ) {}

  private ensure(): Worker[] {
    if (this.workers.length === 0) {
      for (let i = 0; i < this.size; i++) {
        // Plain JS worker: no loader hooks (tsx) needed, so start-up stays in the milliseconds.
        const w = new Worker(join(this.resourcesDir, 'workers', 'ed25519-verify.mjs'), { execArgv: [] });
        w.on('message', (m: { id: number; out: Uint8Array }) => {
          this.pending.get(m.id)?.resolve(m.out);
          this.pending.delete(m.id);
          // Idle workers must not keep the process alive; busy ones must (the caller awaits them).
          if (this.pending.size === 0) for (const x of this.workers) x.unref();
        });
        // A dead worker must not leave a sync waiting forever: fail what it held and start afresh.
        w.on('error', (e) => this.fail(w, e));
        // Any exit counts, 0 included: one terminated before it started exits with 0, holding work.
        w.on('exit', (code) => this.fail(w, new Error(`verify worker exited with code ${code}`)));
        w.unref();
        this.workers.push(w);
      }
    }
    return this.workers;
  }

  /** Signature check for each (bytes, signature) pair under one public key. */
  async verifyAll(key: KeyObject, items: [bytes: string, sigB64: string][]): Promise<boolean[]> {
    if (items.length < PARALLEL_THRESHOLD || this.size === 1) return items.map(([b, s]) => verifyBase64(key, b, s));
    const der = spkiBase64(key);
    const workers = this.ensure();
    const per = Math.ceil(items.length / workers.length);
    const parts = await Promise.all(
      workers.map((w, i) => {
        const slice = items.slice(i * per, (i + 1) * per);
        if (slice.length === 0) return Promise.resolve(new Uint8Array(0));
        const id = ++this.seq;
        const msgs = Buffer.concat(slice.map(([b]) => Buffer.from(b, 'utf8')));
        const ends = new Uint32Array(slice.length);
        const sigs = Buffer.alloc(slice.length * 64);
        let end = 0;
        slice.forEach(([b, sig], k) => {
          ends[k] = end += Buffer.byteLength(b, 'utf8');
          const raw = decodeCanonicalBase64(sig);
          // A signature of the wrong length or in non-canonical base64 must not verify (as verifyBase64
          // refuses it): zeros make sure it does not.
          if (raw?.length === 64) raw.copy(sigs, k * 64);
        });
        return new Promise<Uint8Array>((resolve, reject) => {
          this.pending.set(id, { worker: w, resolve, reject });
          w.ref();
          w.postMessage({ id, publicKeyDer: der, msgs, ends, sigs }, [ends.buffer]);
        });
      }),
    );
    return parts.flatMap((p) => [...p].map((x) => x === 1));
  }

  /**
   * A worker died: its generation is replaced (the next call starts fresh workers) and every call
   * that had work on one of them fails (nothing counts as verified). The exits of the workers ended
   * here come back through this too, and touch only what they held: nothing of a newer generation.
   */
  private fail(dead: Worker, e: Error): void {
    const generation = this.workers.includes(dead) ? this.workers : [dead];
    if (generation === this.workers) this.workers = [];
    for (const [id, p] of this.pending) {
      if (!generation.includes(p.worker)) continue;
      this.pending.delete(id);
      p.reject(e);
    }
    for (const w of generation) if (w !== dead) void w.terminate();
  }

  async close(): Promise<void> {
    const old = this.workers;
    this.workers = [];
    await Promise.all(old.map((w) => w.terminate()));
  }
}
