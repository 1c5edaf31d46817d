import { beforeAll, describe, expect, it } from 'vitest';
import { i18next, initI18n } from '../../i18n';
import { figureLabel, figureValue } from './figures';

describe('health figures for people', () => {
  beforeAll(async () => {
    initI18n('en');
    await i18next.changeLanguage('en');
  });

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

  it('labels the known figures in the language in use', async () => {
    await i18next.changeLanguage('sv');
    try {
      expect(figureLabel('freshForSubmit')).not.toBe('Fresh for submit');
      expect(figureValue('freshForSubmit', true)).toBe('ja');
      expect(figureValue('lastStartupCheckMs', 1234.567)).toMatch(/^1\s235 ms$/);
    } finally {
      await i18next.changeLanguage('en');
    }
  });
});
