// Sizes, spans and numbers follow the language in use; English keeps its established forms.
import { afterEach, describe, expect, it } from 'vitest';
import { setCurrentLocale } from '../i18n/current';
import { bytes, num, seconds } from './format';

afterEach(() => setCurrentLocale('en'));

describe('format in the language in use', () => {
  it('English: as before', () => {
    expect([bytes(512), bytes(2048), bytes(5 * 1024 ** 2), bytes(3 * 1024 ** 3)]).toEqual(['512 B', '2.0 KiB', '5.0 MiB', '3.00 GiB']);
    expect([seconds(42), seconds(185), seconds(7800)]).toEqual(['42 s', '3 min 5 s', '2 h 10 min']);
    expect(num(1204)).toBe('1,204');
  });

  it('French and Swedish: decimal comma and their unit words; Arabic: its own number format', () => {
    setCurrentLocale('fr');
    expect(bytes(2048)).toBe('2,0 KiB');
    expect(seconds(185)).toMatch(/^3\s?min 5\s?s$/);
    setCurrentLocale('sv');
    expect(bytes(5 * 1024 ** 2)).toBe('5,0 MiB');
    expect(seconds(7800)).toMatch(/^2\stim 10\smin$/);
    setCurrentLocale('ar');
    expect(bytes(2048)).toBe(`${(2).toLocaleString('ar', { minimumFractionDigits: 1 })} KiB`);
  });
});
