import { describe, expect, it } from 'vitest';
import { figureLabel, figureValue } from './figures';

describe('health figures for people', () => {
  it('turns keys into words and values into rounded, formatted text', () => {
    expect(figureLabel('lastStartupCheckMs')).toBe('Last startup check');
    expect(figureValue('lastStartupCheckMs', 0.9750279999998384)).toBe('0.98 ms');
    expect(figureValue('lastStartupCheckMs', 1234.567)).toBe('1,235 ms');
    expect(figureLabel('freshForSubmit')).toBe('Fresh for submit');
    expect(figureLabel('vram')).toBe('VRAM');
    expect(figureValue('freshForSubmit', false)).toBe('no');
    expect(figureLabel('dbSizeBytes')).toBe('Database size');
    expect(figureValue('dbSizeBytes', 5 * 1024 * 1024)).toBe('5.0 MiB');
    expect(figureValue('ratio', 0.123456)).toBe('0.12');
    expect(figureValue('quarantined', 3)).toBe('3');
    expect(figureValue('quickCheck', 'ok')).toBe('ok');
    expect(figureValue('anything', null)).toBe('—');
  });
});
