// A notice reaches the person: always the in-app list; also the OS notification (Electron) or the
// browser's (web host) when permission is granted. Clicking it focuses the app and opens the run.
import { i18next } from '../../i18n';
import type { Notice } from './derive';
import { useNotifications } from './notifications-store';
import { openNotice } from './open-run';
import { noticeText } from './words';

/** Shows the OS notification; false when not allowed or not possible here. */
function showOs(n: Notice): boolean {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
  const { title, body } = noticeText(n);
  try {
    const lng = i18next.language;
    const os = new Notification(title, { body, tag: n.key, lang: lng, dir: i18next.dir(lng) === 'rtl' ? 'rtl' : 'ltr' });
    os.onclick = () => {
      window.focus();
      os.close();
      openNotice(n);
    };
    return true;
  } catch {
    // Some platforms only show notifications from a service worker; the in-app list still has it.
    return false;
  }
}

export function deliver(n: Notice, now: number): void {
  if (useNotifications.getState().items.some((i) => i.key === n.key)) return;
  useNotifications.getState().add(n, new Date(now).toISOString(), showOs(n));
}
