// What the bundle store alerts say (decision 0030): messages (`alerts.bundle.*`) with the refusal or
// the tamper reason as their cause; the sync panel puts them into words.
import { thrownCause, withCause } from '../../../shared/error-messages';
import { msg, type Message } from '../../../shared/messages';
import type { InstallRow } from './install-rows';

/** "Built-in bundle {name} refused: {cause}", or with `dir`: "Bundle {name} in {dir} refused: {cause}". */
export const refusedAlert = (name: string, e: unknown, dir?: string): Message =>
  withCause(dir === undefined ? msg('alerts.bundle.builtin_refused', { name }) : msg('alerts.bundle.dir_refused', { name, dir }), thrownCause(e));

/** "{name} {version} quarantined: {why}; {fallback} is active" (or "; no good version left"). */
export function quarantinedAlert(row: InstallRow, fallback: InstallRow | null, why: Message): Message {
  const said = fallback
    ? msg('alerts.bundle.quarantined', { name: row.name, version: row.version, fallback: fallback.version })
    : msg('alerts.bundle.quarantined_alone', { name: row.name, version: row.version });
  return withCause(said, why);
}
