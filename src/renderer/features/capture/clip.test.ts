import { describe, expect, it } from 'vitest';
import { CLIP_CHARS, TITLE_MAX_CHARS, clipText, clipTitle } from './clip';

describe('clipping long values in lists', () => {
  it('keeps short values whole, with whitespace collapsed', () => {
    expect(clipText('PS-7')).toBe('PS-7');
    expect(clipText('  a\n\n b\tc  ')).toBe('a b c');
    expect(clipText('x'.repeat(CLIP_CHARS))).toBe('x'.repeat(CLIP_CHARS));
  });

  it('cuts a 100 KB paste to the limit with an ellipsis', () => {
    const out = clipText('y'.repeat(100 * 1024));
    expect(Array.from(out)).toHaveLength(CLIP_CHARS);
    expect(out.endsWith('…')).toBe(true);
    expect(clipText('z'.repeat(CLIP_CHARS + 1))).toBe(`${'z'.repeat(CLIP_CHARS - 1)}…`);
  });

  it('does not split a character made of two UTF-16 units', () => {
    const out = clipText('😀'.repeat(300), 10);
    expect(Array.from(out)).toEqual([...Array<string>(9).fill('😀'), '…']);
  });

  it('clips a huge value made mostly of whitespace', () => {
    const out = clipText(`${' '.repeat(50_000)}end`, 20);
    expect(out.length).toBeLessThanOrEqual(20);
    expect(out.endsWith('…')).toBe(true);
  });

  it('gives a tooltip only for values short enough to read there', () => {
    expect(clipTitle('short')).toBe('short');
    expect(clipTitle('q'.repeat(TITLE_MAX_CHARS))).toHaveLength(TITLE_MAX_CHARS);
    expect(clipTitle('q'.repeat(TITLE_MAX_CHARS + 1))).toBeUndefined();
  });
});
