// Names for ids (decision 0025): a prof_… or dev_… id, or an audit actor ("user:prof_…"), becomes
// the name people know it by; the id stays for the hover title. Pure: the directory is an input
// (team.directory; src/renderer/ui/directory-store.ts loads it).
// Words are in the language in use (ui namespace, who.*).
import type { TeamDirectory, TeamPerson } from '../../shared/team/views';
import { i18next } from '../i18n';

/** The internal id shapes the views must never show alone. */
export const INTERNAL_ID = /\b(?:prof|dev)_[A-Za-z0-9_-]{3,}/g;

export interface WhoRef {
  /** a profile id (prof_…), or any user string (an enrolled user like "erin@acme" is already a name) */
  profile?: string | null;
  /** a device id (dev_…) */
  device?: string | null;
  /** an audit actor: "user:prof_…", "service:sync", "system" … */
  actor?: string | null;
}

export interface WhoLabel {
  /** what to show */
  text: string;
  /** the id(s), for the hover title */
  title: string | undefined;
  /** a name was found (false: a plain label stands in) */
  known: boolean;
}

const isProfileId = (s: string) => /^prof_/.test(s);
const isDeviceId = (s: string) => /^dev_/.test(s);

function personOfProfile(dir: TeamDirectory | null, id: string): TeamPerson | undefined {
  return dir?.people.find((p) => p.profiles.includes(id));
}
function personOfDevice(dir: TeamDirectory | null, id: string): TeamPerson | undefined {
  return dir?.people.find((p) => p.device === id);
}
const personName = (p: TeamPerson): string | null => p.name ?? p.user;

/** A person (by profile id or user string). */
function profileLabel(dir: TeamDirectory | null, id: string): WhoLabel {
  if (!isProfileId(id)) return { text: id, title: undefined, known: true }; // already a name ("rita@acme")
  const p = personOfProfile(dir, id);
  const name = p && personName(p);
  if (name) return { text: p.local ? i18next.t('ui:who.you', { name }) : name, title: id, known: true };
  return { text: i18next.t('ui:who.teamMember'), title: id, known: false };
}

/** A device: "this device", "Ada Field's device", or "another device". */
function deviceLabel(dir: TeamDirectory | null, id: string): WhoLabel {
  if (!isDeviceId(id) && !personOfDevice(dir, id)) return { text: id, title: undefined, known: true };
  const p = personOfDevice(dir, id);
  if (p?.local) return { text: i18next.t('ui:who.thisDevice'), title: id, known: true };
  const name = p && personName(p);
  if (name) return { text: i18next.t('ui:who.personsDevice', { name }), title: id, known: true };
  return { text: i18next.t('ui:who.anotherDevice'), title: id, known: false };
}

/** Whether a device id is this device's own (the directory marks it local): it shows as "this device". */
export const isThisDevice = (dir: TeamDirectory | null, id: string): boolean => personOfDevice(dir, id)?.local === true;

/** Actors that are the app itself, by name: the key of their words under ui:who. */
const SERVICES: Record<string, string> = { system: 'app', server: 'server', cli: 'cli' };

/** An audit actor in words. */
function actorLabel(dir: TeamDirectory | null, actor: string): WhoLabel {
  const i = actor.indexOf(':');
  const kind = i < 0 ? '' : actor.slice(0, i);
  const rest = i < 0 ? actor : actor.slice(i + 1);
  if (kind === 'user') return { ...profileLabel(dir, rest), title: actor };
  if (kind === 'device') return { ...deviceLabel(dir, rest), title: actor };
  if (kind === 'service') return { text: i18next.t('ui:who.appPart', { service: rest }), title: actor, known: true };
  if (i < 0 && SERVICES[actor]) return { text: i18next.t(`ui:who.${SERVICES[actor]}`), title: actor, known: true };
  if (isProfileId(actor)) return { ...profileLabel(dir, actor), title: actor };
  if (isDeviceId(actor)) return { ...deviceLabel(dir, actor), title: actor };
  return { text: actor, title: undefined, known: true };
}

export function whoLabel(dir: TeamDirectory | null, ref: WhoRef): WhoLabel {
  if (ref.actor) return actorLabel(dir, ref.actor);
  if (ref.profile) return profileLabel(dir, ref.profile);
  if (ref.device) return deviceLabel(dir, ref.device);
  return { text: i18next.t('ui:who.someone'), title: undefined, known: false };
}

/** Free text (an audit subject, a rationale) in parts: plain strings and the ids inside it, each with its label. */
export function splitIds(dir: TeamDirectory | null, text: string): (string | WhoLabel)[] {
  const out: (string | WhoLabel)[] = [];
  let last = 0;
  for (const m of text.matchAll(INTERNAL_ID)) {
    const at = m.index;
    if (at > last) out.push(text.slice(last, at));
    out.push(m[0].startsWith('prof_') ? profileLabel(dir, m[0]) : deviceLabel(dir, m[0]));
    last = at + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
