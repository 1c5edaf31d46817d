import { describe, expect, it } from 'vitest';
import { auditEntryCanonical } from './audit-hash';
import { canonicalJson } from './canonical';

// Deterministic pseudo-random generator so failures reproduce.
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}
const alphabet = ['a', 'Z', ' ', '"', '\\', '\n', 'é', '€', '\u0001', '😀', '\u2028', 'ß'];

describe('auditEntryCanonical', () => {
  it('equals canonicalJson(entry) for arbitrary entries', () => {
    const r = rng(42);
    const str = () => Array.from({ length: Math.floor(r() * 12) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    const val = (d: number): unknown => {
      const k = Math.floor(r() * 6);
      if (d > 2 || k === 0) return str();
      if (k === 1) return r() * 1e6 - 5e5;
      if (k === 2) return r() > 0.5;
      if (k === 3) return null;
      if (k === 4) return Array.from({ length: Math.floor(r() * 4) }, () => val(d + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [str(), val(d + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const e = {
        seq: 1 + Math.floor(r() * 1e9),
        ts: new Date(Math.floor(r() * 2e12)).toISOString(),
        actor: str(),
        action: str(),
        subject: str(),
        prevHash: 'ab'.repeat(32),
      };
      const payload = val(0);
      expect(auditEntryCanonical(e, canonicalJson(payload))).toBe(canonicalJson({ ...e, payload }));
    }
  });
});
