// Counts people read have their noun in the right form: "1 item", never "1 items" (issue 17). A
// number followed by a plural noun in the renderer's JSX text must go through count() (ui/format.ts).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../../src/renderer');
const NOUNS =
  'items|files|entries|days|attachments|receipts|cards|runs|devices|records|chunks|versions|invariants|failures|photos|keys|hours|minutes|seconds|reviewers|decisions';
// `{expr} nouns` in text, not `{expr} name={…}` (a JSX attribute).
const COUNT_THEN_NOUN = new RegExp(`\\{[^{}]+\\}\\s+(${NOUNS})\\b(?!\\s*=)`, 'g');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p);
    return /\.tsx$/.test(n) && !/\.test\.tsx$/.test(n) ? [p] : [];
  });
}

describe('plural forms in the renderer', () => {
  it('every count shown with a plural noun goes through count()', () => {
    const found: string[] = [];
    for (const f of files(ROOT)) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const m of line.matchAll(COUNT_THEN_NOUN)) found.push(`${relative(ROOT, f)}:${i + 1}: ${m[0]}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('count() picks the form by the number', async () => {
    const { count } = await import('../../src/renderer/ui/format');
    expect([count(0, 'item'), count(1, 'item'), count(2, 'item'), count(1204, 'entry', 'entries'), count(1, 'entry', 'entries')]).toEqual([
      '0 items',
      '1 item',
      '2 items',
      '1,204 entries',
      '1 entry',
    ]);
  });
});
