// The bell in the navigation: how many notifications are unread, and the list of recent ones in a
// dialog (opening it marks them read). It also keeps the watcher running for the open profile.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../../app-store';
import { NotificationList } from './NotificationList';
import { unreadCount, useNotifications } from './notifications-store';
import { startNotifications } from './start';
import './notifications.css';

export function NotifyBell() {
  const { t } = useTranslation('notifications');
  const profileId = useApp((s) => s.profile?.id ?? null);
  const unread = useNotifications(unreadCount);
  const { markAllRead, clear } = useNotifications.getState();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => (profileId ? startNotifications(profileId) : undefined), [profileId]);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);

  const close = () => {
    markAllRead();
    setOpen(false);
  };
  return (
    <>
      <button type="button" className="notify-bell" onClick={() => setOpen(true)} aria-label={t('bell', { n: unread })} data-testid="notify-bell">
        <svg className="notify-icon" aria-hidden="true" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {t('title')}
        {unread > 0 && (
          <span className="notify-count" aria-hidden="true" data-testid="notify-unread">
            {unread}
          </span>
        )}
      </button>
      <dialog ref={ref} className="dialog notify-dialog" aria-labelledby="notify-title" onClose={close} data-testid="notify-dialog">
        {open && (
          <>
            <div className="notify-dialog-head">
              <h3 id="notify-title">{t('list.title')}</h3>
              <button type="button" className="secondary small-btn" onClick={clear}>
                {t('list.clear')}
              </button>
              <button type="button" className="secondary small-btn" onClick={close}>
                {t('list.close')}
              </button>
            </div>
            <NotificationList onOpen={close} />
          </>
        )}
      </dialog>
    </>
  );
}
