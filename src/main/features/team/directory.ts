// Who is who on this device (channel team.directory): what the renderer needs to show people and
// devices by name instead of prof_…/dev_… ids (decision 0025). Built from what this device already
// holds: its own profile, the certificates of the devices it knows (the user each was enrolled for),
// and the profile id each device's shared runs carry (one profile per device).
import type { TeamDirectory, TeamPeer, TeamPerson } from '../../../shared/team/views';
import type { TeamCore } from './core';

export function buildDirectory(core: TeamCore, peers: TeamPeer[]): TeamDirectory {
  const cfg = core.config();
  const profile = core.d.profile.get();
  const byDevice = new Map<string, TeamPerson>();
  const person = (device: string): TeamPerson => {
    let p = byDevice.get(device);
    if (!p) byDevice.set(device, (p = { device, name: null, user: null, profiles: [], local: false }));
    return p;
  };
  for (const peer of peers) person(peer.device).user = peer.user;
  // One row per (device, starter): a device shares many runs, all started by its one profile.
  const starters = core.d.db
    .prepare("SELECT DISTINCT device, user, json_extract(body, '$.startedBy') AS profile FROM team_runs WHERE json_valid(body)")
    .all() as { device: string; user: string | null; profile: unknown }[];
  for (const r of starters) {
    if (typeof r.profile !== 'string' || !r.profile) continue;
    const p = person(r.device);
    // The user the sealed item came from, when this device holds no certificate for it (yet).
    p.user ??= r.user || null;
    if (!p.profiles.includes(r.profile)) p.profiles.push(r.profile);
  }
  if (profile) {
    // The local profile's device id, and the server's id for this device once enrolled: both are "this device".
    for (const device of new Set([profile.deviceId, ...(cfg ? [cfg.deviceId] : [])])) {
      const me = person(device);
      me.local = true;
      me.name = profile.name;
      me.user = cfg?.user ?? me.user;
      if (!me.profiles.includes(profile.id)) me.profiles.push(profile.id);
    }
  }
  return { people: [...byDevice.values()] };
}
