// Test and bench helpers: deterministic embedders, seeded random unit vectors, a memory service
// on a fresh in-memory database.
import type { Embedder } from '../inference/types';
import { openDatabase, type Db } from '../../platform/db/connection';
import { createAuditService, type AuditService } from '../../platform/audit/index';
import { createEventBus, type EventBus } from '../../platform/events';
import { createHealthRegistry } from '../../platform/health';
import type { Clock } from '../../platform/util/clock';
import type { Events } from '../../../shared/api/types';
import { createMemoryService, type MemoryService, type MemoryServiceDeps } from './service';
import { mulberry32 } from '../../../platform/prng';

/** Mulberry32: a small seeded PRNG in [0, 1). */
export const rng = mulberry32;

/** Seeded standard normal samples (a table of 2^16 Box–Muller values, indexed at random: fast). */
export function gaussian(seed: number): () => number {
  const r = rng(seed);
  const table = new Float32Array(1 << 16);
  for (let i = 0; i < table.length; i++) table[i] = Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
  return () => table[(r() * 65536) | 0]!;
}

export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}

/**
 * Random unit vectors. `perCluster` > 0: a mixture, one random centroid per `perCluster` vectors
 * and isotropic noise of norm ≈ 0.8–1.4 around it (so a vector's 10th nearest neighbour has cosine
 * ≈ 0.5, like sentence embeddings); 0: independent and uniform on the sphere.
 */
export function unitVectorSource(dim: number, seed: number, perCluster: number, expected: number): () => Float32Array {
  const g = gaussian(seed);
  const r = rng(seed ^ 0x9e3779b9);
  if (perCluster <= 0) return () => normalize(Float32Array.from({ length: dim }, g));
  const clusters = Math.max(1, Math.floor(expected / perCluster));
  const centroids = Array.from({ length: clusters }, () => normalize(Float32Array.from({ length: dim }, g)));
  const spread = Float32Array.from({ length: clusters }, () => (0.8 + 0.6 * r()) / Math.sqrt(dim));
  return () => {
    const c = (r() * clusters) | 0;
    const base = centroids[c]!;
    const s = spread[c]!;
    const v = new Float32Array(dim);
    for (let i = 0; i < dim; i++) v[i] = base[i]! + s * g();
    return normalize(v);
  };
}

export function dot(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i]! * b[i]!;
  return d;
}

/** Brute-force top k by cosine (unit vectors): indexes into `xs`. The reference the tests compare to. */
export function bruteForceTopK(xs: readonly Float32Array[], q: Float32Array, k: number, keep: (i: number) => boolean = () => true): number[] {
  const scored: [number, number][] = [];
  xs.forEach((x, i) => {
    if (keep(i)) scored.push([i, dot(x, q)]);
  });
  return scored
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([i]) => i);
}

const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * A deterministic embedder for tests: each word a fixed pseudo-random unit vector (seeded by its
 * FNV-1a hash), a text the normalised sum of its words' vectors. Texts sharing words are similar.
 * `overrides` maps exact texts to given vectors.
 */
export function wordEmbedder(opts: { id?: string; dimension?: number; overrides?: Map<string, Float32Array> } = {}): Embedder & { calls: number } {
  const dimension = opts.dimension ?? 64;
  const cache = new Map<string, Float32Array>();
  const wordVec = (w: string) => {
    let v = cache.get(w);
    if (!v) {
      let h = 0x811c9dc5;
      for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
      const g = rng(h >>> 0);
      v = normalize(Float32Array.from({ length: dimension }, () => g() - 0.5));
      cache.set(w, v);
    }
    return v;
  };
  const e = {
    id: opts.id ?? 'test-words@1',
    dimension,
    calls: 0,
    async embed(texts: string[]): Promise<Float32Array[]> {
      e.calls++;
      return texts.map((t) => {
        const o = opts.overrides?.get(t);
        if (o) return o;
        const v = new Float32Array(dimension);
        for (const m of t.toLowerCase().matchAll(WORD)) {
          const w = wordVec(m[0]);
          for (let i = 0; i < dimension; i++) v[i] = v[i]! + w[i]!;
        }
        if (v.every((x) => x === 0)) v[0] = 1;
        return normalize(v);
      });
    },
  };
  return e;
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.parse('2026-11-01T08:00:00.000Z')): Clock & { advance(ms: number): void; set(iso: string): void } {
  let t = start;
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
    set(iso: string) {
      t = Date.parse(iso);
    },
  };
}

export interface TestMemory {
  db: Db;
  audit: AuditService;
  events: EventBus;
  changes: Events['memory.changed'][];
  memory: MemoryService;
}

/** A memory service on a fresh in-memory database (all migrations), with its own audit log. */
export function testMemory(deps: Partial<Omit<MemoryServiceDeps, 'db' | 'audit' | 'events'>> & { db?: Db } = {}): TestMemory {
  const db = deps.db ?? openDatabase(':memory:');
  const clock = deps.clock ?? manualClock();
  const events = createEventBus();
  const audit = createAuditService({ db, clock, events, health: createHealthRegistry() });
  const changes: Events['memory.changed'][] = [];
  events.subscribe((name, payload) => {
    if (name === 'memory.changed') changes.push(payload as Events['memory.changed']);
  });
  const embedder = wordEmbedder();
  const memory = createMemoryService({ embedder: () => embedder, ...deps, db, clock, audit, events });
  return { db, audit, events, changes, memory };
}
