import { describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import { introFor, introRole, introSeen, markIntroSeen, INTRO_KEY, type IntroMemory } from './intro-words';

// The words are English messages (i18n/locales/en).
initI18n('en');

const memory = (init: Record<string, string> = {}): IntroMemory & { data: Record<string, string> } => {
  const data = { ...init };
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) };
};

describe('the first-run intro', () => {
  it('speaks to the strongest enrolled role, or the profile’s role before enrollment', () => {
    expect(introRole([], 'field')).toBe('field');
    expect(introRole(['field', 'reviewer'], 'field')).toBe('reviewer');
    expect(introRole(['reviewer', 'admin'], 'field')).toBe('admin');
  });

  it('has three short steps for every role, without codes', () => {
    for (const role of ['field', 'reviewer', 'admin'] as const) {
      const intro = introFor(role);
      expect(intro.steps).toHaveLength(3);
      for (const s of intro.steps) {
        expect(s.text.length).toBeLessThan(140);
        expect(s.text).not.toMatch(/[A-Z]{2,}_[A-Z]|INV\.|prof_|dev_/);
      }
    }
  });

  it('is remembered per profile and role once dismissed; a broken store reads as not seen', () => {
    const mem = memory();
    expect(introSeen(mem, 'prof_1', 'field')).toBe(false);
    markIntroSeen(mem, 'prof_1', 'field');
    expect(introSeen(mem, 'prof_1', 'field')).toBe(true);
    expect(introSeen(mem, 'prof_1', 'reviewer')).toBe(false);
    expect(introSeen(mem, 'prof_2', 'field')).toBe(false);
    markIntroSeen(mem, 'prof_1', 'field');
    expect(JSON.parse(mem.data[INTRO_KEY]!)).toEqual({ prof_1: ['field'] });
    expect(introSeen(memory({ [INTRO_KEY]: '{not json' }), 'prof_1', 'field')).toBe(false);
  });
});
