// The watcher for the signed-in profile, wired to the API client, the app's roles and the
// person's choices; started by the bell in the navigation while a profile is open.
import { call, onEvent } from '../../api/client';
import { useApp } from '../../app-store';
import { useTeam } from '../team/team-store';
import { approverRoles, mayApprove } from '../team/team';
import { deliver } from './deliver';
import { useNotifyPrefs } from './prefs';
import { NotificationWatcher } from './watcher';

/** Starts watching for this profile; returns the stop. */
export function startNotifications(profileId: string): () => void {
  useNotifyPrefs.getState().forProfile(profileId);
  // The policy's four-eyes switch (policy.status); on until it is known, as the shipped policy has it.
  let fourEyes = true;
  void call('policy.status', {})
    .then((s) => (fourEyes = s.fourEyes))
    .catch(() => undefined);
  const watcher = new NotificationWatcher({
    call: (ch, input) => call(ch, input),
    onEvent,
    now: () => Date.now(),
    me: () => ({ profileId, canDecide: mayApprove(approverRoles(useTeam.getState().status, useApp.getState().roles)), fourEyes }),
    prefs: () => useNotifyPrefs.getState(),
    deliver,
  });
  void watcher.start();
  return () => watcher.stop();
}
