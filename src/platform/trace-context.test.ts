import { describe, expect, it } from 'vitest';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from './trace-context';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('parses a valid header and formats one back', () => {
    expect(parseTraceparent(`00-${T}-${S}-01`)).toEqual({ traceId: T, parentId: S, flags: '01' });
    // A later version may add fields; its first four are still read.
    expect(parseTraceparent(`cc-${T}-${S}-00-what-ever`)).toEqual({ traceId: T, parentId: S, flags: '00' });
    expect(formatTraceparent(T, S)).toBe(`00-${T}-${S}-01`);
    expect(formatTraceparent(T, S, false)).toBe(`00-${T}-${S}-00`);
  });

  it('refuses malformed, all-zero, uppercase, version ff and extra-field version 00 headers', () => {
    for (const bad of [
      undefined,
      '',
      `00-${'0'.repeat(32)}-${S}-01`,
      `00-${T}-${'0'.repeat(16)}-01`,
      `00-${T.toUpperCase()}-${S}-01`,
      `ff-${T}-${S}-01`,
      `00-${T}-${S}-01-extra`,
      `00-${T.slice(1)}-${S}-01`,
      `00_${T}_${S}_01`,
      `00-${T}-${S}-01`.padEnd(600, 'x'),
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeNull();
    }
  });

  it('makes fresh non-zero ids of the right length', () => {
    const ids = new Set(Array.from({ length: 50 }, newTraceId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
  });
});
