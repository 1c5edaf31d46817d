// fast-check arbitraries made from the JSON Schemas of the API table (TypeBox output): mostly inputs
// that pass the schema (so the fuzz reaches the handlers), the rest hostile (wrong types, lone
// surrogates, paths to pipes and devices, huge numbers, prototype keys, deep nesting) so the
// validators and the handlers' own checks are hit as well.
import fc from 'fast-check';

export type Schema = Record<string, unknown>;

/** Values a handler must survive wherever a value goes; some are valid JSON but not valid text. */
export const HOSTILE_STRINGS = [
  '\ud800',
  'a\udc00b',
  '\u0000',
  '__proto__',
  'constructor',
  '../../../../etc/passwd',
  '%ED%A0%80',
  '{"$gt":""}',
  "'; DROP TABLE audit_log; --",
  '\u202e\u2066',
  'x'.repeat(100_000),
];

export const HOSTILE_NUMBERS = [-1, 0, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.5, -0.0];

/** Paths that would freeze a careless reader: filled in by the fuzzer (a FIFO, /dev/zero, a sparse 64 GiB file, a folder). */
export interface HostilePaths {
  paths: string[];
  /** A URL every URL field gets: a closed loopback port, so nothing leaves this machine. */
  url: string;
  /** Ids that exist on the fuzzed device (runs, cards, drafts, memory items, attachment hashes): id fields draw from them half the time. */
  ids?: string[];
}

const hostileValue = (h: HostilePaths): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(...HOSTILE_STRINGS, ...HOSTILE_NUMBERS, ...h.paths, null, true, [], {}, [[[[[[[[]]]]]]]]),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.object({ maxDepth: 3 }),
    fc.jsonValue({ maxDepth: 4 }),
  );

const isUrlKey = (key: string) => /url|uri|server/i.test(key);
const isPathKey = (key: string) => /^path$|file|dir/i.test(key);

function stringOf(s: Schema, key: string, h: HostilePaths): fc.Arbitrary<string> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]));
  if (typeof s.const === 'string') return fc.constant(s.const);
  if (isUrlKey(key)) return fc.constantFrom(h.url, h.url, `${h.url}v1/`, `http://[::1]:${new URL(h.url).port}/`, 'not a url', 'file:///etc/passwd');
  if (isPathKey(key)) return fc.constantFrom(...h.paths);
  if (h.ids?.length && /^(id|runId|cardId|draftId|hash|sha256|resumeKey)$/.test(key)) {
    const free = plainString(s);
    return fc.oneof(fc.constantFrom(...h.ids), free);
  }
  return plainString(s);
}

function plainString(s: Schema): fc.Arbitrary<string> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = Math.min(typeof s.maxLength === 'number' ? s.maxLength : 64, 256);
  if (typeof s.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length >= min && x.length <= ((s.maxLength as number | undefined) ?? Infinity));
    } catch {
      /* a pattern fast-check cannot invert: plain strings below */
    }
  }
  if (s.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString());
  if (s.format === 'date')
    return fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString().slice(0, 10));
  return fc.string({ minLength: min, maxLength: Math.max(min, max), unit: fc.constantFrom('a', 'b', ' ', '-', '_', '1', 'é', '😀', 'R', 'P', 'T') });
}

function numberOf(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : -1e9;
  const max = typeof s.maximum === 'number' ? s.maximum : 1e9;
  return integer
    ? fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** An arbitrary for `schema`: valid by construction where it can be, hostile with probability `hostility` per node. */
export function arbitraryOf(schema: Schema, h: HostilePaths, hostility = 0.04, key = '', depth = 0): fc.Arbitrary<unknown> {
  const valid = validOf(schema, h, hostility, key, depth);
  if (depth === 0 || hostility <= 0) return valid;
  const w = Math.round(hostility * 100);
  return fc.oneof({ weight: 100 - w, arbitrary: valid }, { weight: w, arbitrary: hostileValue(h) });
}

function validOf(s: Schema, h: HostilePaths, hostility: number, key: string, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alts = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alts) return fc.oneof(...alts.map((a) => arbitraryOf(a, h, hostility, key, depth + 1)));
  if (Array.isArray(s.type)) return fc.oneof(...(s.type as string[]).map((t) => validOf({ ...s, type: t }, h, hostility, key, depth)));
  switch (s.type) {
    case 'string':
      return stringOf(s, key, h);
    case 'integer':
      return numberOf(s, true);
    case 'number':
      return numberOf(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = (s.items as Schema | undefined) ?? {};
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      const max = Math.min(typeof s.maxItems === 'number' ? s.maxItems : 5, min + 5);
      return fc.array(arbitraryOf(item, h, hostility, key, depth + 1), { minLength: min, maxLength: max });
    }
    case 'object': {
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      const required = new Set((s.required as string[] | undefined) ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, p] of Object.entries(props)) record[k] = arbitraryOf(p, h, hostility, k, depth + 1);
      const requiredKeys = Object.keys(props).filter((k) => required.has(k));
      const base = fc.record(record, { requiredKeys });
      if (depth > 0 || hostility <= 0) return base;
      // Now and then an unknown key (additionalProperties: false refuses it) or a prototype key.
      const extraKey = fc.oneof(
        { weight: 19, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom('extra', '__proto__', 'constructor', 'actor') },
      );
      return fc.tuple(base, extraKey).map(([o, extra]) => (extra ? Object.assign(Object.create(null) as object, o, { [extra]: 'x' }) : o));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
