// A notice in words, in the language in use (namespace `notifications`): generic sentences and at
// most the workflow's title. The same words show in the OS notification and in the in-app list.
import { i18next } from '../../i18n';
import type { Notice } from './derive';

const t = (key: string, args?: Record<string, unknown>): string => i18next.t(`notifications:${key}`, args);

/** Which message a notice uses. */
function messageOf(n: Notice): string {
  switch (n.kind) {
    case 'approvalDecided':
      return n.outcome === 'rejected' ? 'rejected' : 'approved';
    case 'runWaiting':
      return n.count > 1 ? 'waitingMany' : 'waiting';
    case 'runFinished':
      return n.outcome === 'failed' ? 'failed' : 'succeeded';
    case 'syncFailing':
      return 'syncFailing';
    case 'deviceBlocked':
      return 'blocked';
  }
}

export function noticeText(n: Notice): { title: string; body: string } {
  const m = messageOf(n);
  const args = { workflow: n.workflow ?? t('aWorkflow'), n: n.count, minutes: n.minutes };
  return { title: t(`text.${m}.title`, args), body: t(`text.${m}.body`, args) };
}
