import { describe, expect, it } from 'vitest';
import { auditChainHasher, auditEntryCanonical, auditEntryCanonicalOf } from './audit-hash';
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

describe('auditChainHasher', () => {
  // A stand-in digest (shared code has no SHA-256): eight FNV-1a passes with different seeds over the
  // UTF-16 code units, 64 hex characters like the real one. Other bytes give another digest.
  const sha = (s: string): string => {
    let out = '';
    for (let seed = 0; seed < 8; seed++) {
      let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b9)) >>> 0;
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
      out += h.toString(16).padStart(8, '0');
    }
    return out;
  };

  it('gives each entry of a chain the hash of its auditEntryCanonicalOf bytes, repeated fields or not', () => {
    const r = rng(7);
    const str = () => Array.from({ length: Math.floor(r() * 6) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    for (let run = 0; run < 40; run++) {
      const ts = new Date(Math.floor(r() * 2e12)).toISOString();
      // The first prevHash is whatever the head row holds: not always a digest.
      const first = run % 3 === 0 ? 'ab'.repeat(32) : run % 3 === 1 ? '0'.repeat(64) : str();
      const next = auditChainHasher(ts, first, sha);
      let prev = first;
      let seq = 1 + Math.floor(r() * 1e6);
      let actor = str();
      let action = str();
      let subject = str();
      for (let i = 0; i < 60; i++) {
        // Runs of the same values, changed now and then (one field, or action and actor together).
        const c = r();
        if (c < 0.15) actor = str();
        else if (c < 0.3) action = str();
        else if (c < 0.4) [actor, action] = [action, actor];
        if (r() < 0.2) subject = str();
        const payload = canonicalJson({ i, s: str() });
        const want = sha(auditEntryCanonicalOf(seq, ts, actor, action, subject, prev, payload));
        expect(next(seq, actor, action, subject, payload)).toBe(want);
        prev = want;
        seq++;
      }
    }
  });
});
