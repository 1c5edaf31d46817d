// Pure words and memory of the first-run intro (no API, no DOM): three short steps per role (profile
// namespace, intro.*), and which (profile, role) pairs have seen them. Where it is remembered is passed
// in (localStorage in the app).
import type { Role } from '../../../shared/policy/types';
import { i18next } from '../../i18n';

export interface IntroStep {
  title: string;
  text: string;
}

export interface Intro {
  role: Role;
  heading: string;
  steps: [IntroStep, IntroStep, IntroStep];
}

/** Each role's three steps, in order: their title and text are profile:intro.<role>.<step>.title / .text. */
const STEPS: Record<Role, [string, string, string]> = {
  field: ['capture', 'checks', 'send'],
  reviewer: ['waiting', 'read', 'decide'],
  admin: ['devices', 'rules', 'decide'],
};

const step = (role: Role, key: string): IntroStep => ({
  title: i18next.t(`profile:intro.${role}.${key}.title`),
  text: i18next.t(`profile:intro.${role}.${key}.text`),
});

/** The role the intro speaks to: the enrollment's strongest role, or the profile's own before enrollment. */
export function introRole(roles: readonly Role[], profileRole: Role): Role {
  if (roles.includes('admin')) return 'admin';
  if (roles.includes('reviewer')) return 'reviewer';
  return roles.includes('field') ? 'field' : profileRole;
}

/** The intro for a role, in the language in use. */
export function introFor(role: Role): Intro {
  const [a, b, c] = STEPS[role];
  return { role, heading: i18next.t(`profile:intro.${role}.heading`), steps: [step(role, a), step(role, b), step(role, c)] };
}

/** Where "seen" is kept: a string store (localStorage fits). */
export interface IntroMemory {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const INTRO_KEY = 'maestro.intro.seen.v1';

function read(mem: IntroMemory): Record<string, Role[]> {
  try {
    const v = JSON.parse(mem.getItem(INTRO_KEY) ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Role[]>) : {};
  } catch {
    return {};
  }
}

/** Whether this profile has dismissed the intro for this role (a new role shows its own intro once). */
export function introSeen(mem: IntroMemory, profileId: string, role: Role): boolean {
  const seen = read(mem)[profileId];
  return Array.isArray(seen) && seen.includes(role);
}

export function markIntroSeen(mem: IntroMemory, profileId: string, role: Role): void {
  const all = read(mem);
  const seen = Array.isArray(all[profileId]) ? all[profileId] : [];
  if (!seen.includes(role)) all[profileId] = [...seen, role];
  mem.setItem(INTRO_KEY, JSON.stringify(all));
}
