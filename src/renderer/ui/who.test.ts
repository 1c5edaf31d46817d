import { describe, expect, it } from 'vitest';
import { initI18n } from '../i18n';
import type { TeamDirectory } from '../../shared/team/views';
import { splitIds, whoLabel } from './who';

// The words are English messages (i18n/locales/en).
initI18n('en');

const dir: TeamDirectory = {
  people: [
    { device: 'dev_rita', name: 'Rita Reviewer', user: 'rita@acme', profiles: ['prof_rita'], local: true },
    { device: 'dev_ada', name: null, user: 'ada@acme', profiles: ['prof_ada'], local: false },
    { device: 'dev_bo', name: null, user: null, profiles: [], local: false },
  ],
};

describe('whoLabel: people and devices by name, the id on hover', () => {
  it('names this device’s profile and other devices’ starters by their enrolled user', () => {
    expect(whoLabel(dir, { profile: 'prof_rita' })).toEqual({ text: 'Rita Reviewer (you)', title: 'prof_rita', known: true });
    expect(whoLabel(dir, { profile: 'prof_ada' })).toEqual({ text: 'ada@acme', title: 'prof_ada', known: true });
    expect(whoLabel(dir, { profile: 'rita@acme' })).toEqual({ text: 'rita@acme', title: undefined, known: true });
  });

  it('falls back to a plain label with the id on hover', () => {
    expect(whoLabel(dir, { profile: 'prof_unknown' })).toEqual({ text: 'a team member', title: 'prof_unknown', known: false });
    expect(whoLabel(null, { device: 'dev_x1' })).toEqual({ text: 'another device', title: 'dev_x1', known: false });
    expect(whoLabel(dir, { device: 'dev_bo' })).toMatchObject({ text: 'another device', known: false });
  });

  it('devices: this device, a person’s device', () => {
    expect(whoLabel(dir, { device: 'dev_rita' })).toEqual({ text: 'this device', title: 'dev_rita', known: true });
    expect(whoLabel(dir, { device: 'dev_ada' })).toEqual({ text: 'ada@acme’s device', title: 'dev_ada', known: true });
  });

  it('audit actors', () => {
    expect(whoLabel(dir, { actor: 'user:prof_rita' })).toEqual({ text: 'Rita Reviewer (you)', title: 'user:prof_rita', known: true });
    expect(whoLabel(dir, { actor: 'user:prof_zz' })).toEqual({ text: 'a team member', title: 'user:prof_zz', known: false });
    expect(whoLabel(dir, { actor: 'service:sync' })).toEqual({ text: 'the app (sync)', title: 'service:sync', known: true });
    expect(whoLabel(dir, { actor: 'system' })).toMatchObject({ text: 'the app' });
  });

  it('ids inside free text become names', () => {
    const parts = splitIds(dir, 'approval of run run_1 by prof_ada on dev_rita.');
    expect(parts.map((p) => (typeof p === 'string' ? p : `[${p.text}]`)).join('')).toBe('approval of run run_1 by [ada@acme] on [this device].');
    expect(splitIds(dir, 'no ids here')).toEqual(['no ids here']);
  });
});
