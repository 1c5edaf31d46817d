import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalJsonError } from './canonical';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], '\u00e9': 0, A: {} })).toBe('{"A":{},"a":[true,null,"x"],"b":1,"é":0}');
  });
  it('serialises numbers the ECMAScript way (RFC 8785 §3.2.2.3 vectors)', () => {
    expect(canonicalJson([333333333.33333329, 1e30, 4.5, 2e-3, 0.000001, 1e-7, -0, 1e21])).toBe('[333333333.3333333,1e+30,4.5,0.002,0.000001,1e-7,0,1e+21]');
  });
  it('matches the RFC 8785 §3.2.3 sorting example', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Object.keys would hoist the integer-like key, so read the order off the text itself.
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = '{' + order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k as keyof typeof input])}`).join(',') + '}';
    expect(canonicalJson(input)).toBe(expected);
  });
  it('escapes strings minimally', () => {
    expect(canonicalJson('a"\\\n\u0001\u2028')).toBe('"a\\"\\\\\\n\\u0001\u2028"');
  });
  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['nested NaN', { a: [1, NaN] }],
    ['lone high surrogate', 'x\ud800'],
    ['lone low surrogate', '\udc00y'],
    ['lone surrogate in a key', { ['\ud83d']: 1 }],
    ['undefined value', { a: undefined }],
    ['a function', () => 1],
    ['a bigint', 10n],
    ['a Date', new Date(0)],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
  });
  it('refuses cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(/cyclic/);
  });
  it('names the same path in errors, and accepts deep nesting as before', () => {
    expect(() => canonicalJson({ b: 1, a: [1, { c: NaN }] })).toThrow('non-finite number NaN at .a[1].c');
    expect(() => canonicalJson({ a: { b: 'x\udc00' } })).toThrow('lone surrogate in string at .a.b');
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(canonicalJson(deep)).toBe(JSON.stringify(deep));
  });
  it('accepts a well-formed surrogate pair', () => {
    expect(canonicalJson('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });
});
