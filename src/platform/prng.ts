// Small seeded pseudo-random generators for tests, benches and synthetic data: deterministic, so a
// failure or a generated file reproduces from its seed. Not for anything that needs secrecy.

/** mulberry32: uniform in [0, 1), period 2^32. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The classic 31-bit linear congruential generator (ANSI C's constants): in [0, 1]. */
export function lcg31(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
}

/** xorshift32 (13, 17, 5): uniform in [0, 1); a zero seed is taken as 1 (zero is its fixed point). */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
