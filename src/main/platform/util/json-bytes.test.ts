import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonBytes } from './json-bytes';

describe('jsonBytes', () => {
  it('gives the bytes of JSON.stringify for any JSON-like value (objects, arrays, holes, undefined, dates, null prototypes)', () => {
    const extra = fc.oneof(
      fc.constant(undefined),
      fc.constant(() => 1),
      fc.date({ noInvalidDate: true }),
      fc.constant(Symbol('s')),
    );
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.jsonValue({ maxDepth: 2 }), extra, fc.string({ unit: 'grapheme' })),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 8 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 8 })),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const s = JSON.stringify(v) as string | undefined;
        if (s === undefined) expect(() => jsonBytes(v)).toThrow(TypeError);
        else expect(jsonBytes(v).equals(Buffer.from(s, 'utf8'))).toBe(true);
      }),
      { numRuns: 3_000 },
    );
    const bare = Object.assign(Object.create(null) as object, { a: 1, b: [undefined, 2] });
    expect(jsonBytes(bare).toString()).toBe(JSON.stringify(bare));
    expect(jsonBytes({ toJSON: () => 'x', y: 1 }).toString()).toBe('"x"');
  });

  it('encodes a batch-sized body (over 128 KiB, many chunks) exactly', () => {
    const body = {
      device: 'dev-1',
      appVersion: '1.0.0',
      items: Array.from({ length: 120 }, (_, i) => ({ idempotencyKey: `k${i}`, ciphertext: 'QUJD'.repeat(400), note: 'é✓🙂', n: i, skip: undefined })),
      anchor: undefined,
    };
    const bytes = jsonBytes(body);
    expect(bytes.length).toBeGreaterThan(128 * 1024);
    expect(bytes.equals(Buffer.from(JSON.stringify(body), 'utf8'))).toBe(true);
  });
});
