// Pure words and memory of the first-run intro (no API, no DOM): three short steps per role, and which
// (profile, role) pairs have seen them. Where it is remembered is passed in (localStorage in the app).
import type { Role } from '../../../shared/policy/types';

export interface IntroStep {
  title: string;
  text: string;
}

export interface Intro {
  role: Role;
  heading: string;
  steps: [IntroStep, IntroStep, IntroStep];
}

const INTROS: Record<Role, Intro> = {
  field: {
    role: 'field',
    heading: 'What Maestro does for you as a field user',
    steps: [
      { title: 'Capture a report', text: 'Fill in a form under Capture. It is kept on this device, even without a network.' },
      {
        title: 'Let the checks run',
        text: 'Start a run under Runs: your organisation’s rules check the report, and a reviewer is asked when something is high risk.',
      },
      { title: 'Send it', text: 'The Outbox sends your reports at the next sync, and says what to do if one is refused.' },
    ],
  },
  reviewer: {
    role: 'reviewer',
    heading: 'What Maestro does for you as a reviewer',
    steps: [
      { title: 'See what waits for you', text: 'Decision cards lists the work that needs a decision; filter by “awaiting approval”.' },
      { title: 'Read what happened', text: 'Each card says in words what happened and why it needs you. Codes and raw values are under Details.' },
      { title: 'Approve or reject', text: 'Your decision reaches the device that waits for it at the next sync, and the Audit log keeps a record.' },
    ],
  },
  admin: {
    role: 'admin',
    heading: 'What Maestro does for you as an admin',
    steps: [
      { title: 'Watch your devices', text: 'Devices (admin) shows every device of your team, when it last synced and whether it is at risk.' },
      { title: 'Keep rules and forms current', text: 'Sealed state shows the signed rules and forms in force on this device, and installs new ones.' },
      { title: 'Decide when needed', text: 'You can also approve or reject under Decision cards; the Audit log records every action.' },
    ],
  },
};

/** The role the intro speaks to: the enrollment's strongest role, or the profile's own before enrollment. */
export function introRole(roles: readonly Role[], profileRole: Role): Role {
  if (roles.includes('admin')) return 'admin';
  if (roles.includes('reviewer')) return 'reviewer';
  return roles.includes('field') ? 'field' : profileRole;
}

export const introFor = (role: Role): Intro => INTROS[role];

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
