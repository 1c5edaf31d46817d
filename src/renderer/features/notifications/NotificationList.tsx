// The in-app list of recent notifications: the same words as the OS notification, when, and (under
// Details) the ids of the run and device it is about; a button opens the run.
import { useTranslation } from 'react-i18next';
import { dateTime } from '../../ui/format';
import { useNotifications, type NoticeItem } from './notifications-store';
import { openNotice } from './open-run';
import { noticeText } from './words';

function Item({ n, onOpen }: { n: NoticeItem; onOpen(): void }) {
  const { t } = useTranslation('notifications');
  const { title, body } = noticeText(n);
  const opens = n.kind === 'syncFailing' || n.kind === 'deviceBlocked' ? 'openOutbox' : n.run ? 'open' : 'openRuns';
  return (
    <li className={n.read ? 'notify-item' : 'notify-item unread'} data-testid="notification" data-kind={n.kind} data-read={n.read ? 'true' : 'false'}>
      <div className="notify-item-head">
        <strong>{title}</strong>
        {!n.read && <span className="badge badge-warn">{t('list.unread')}</span>}
      </div>
      <div>{body}</div>
      <div className="muted small">
        <time dateTime={n.at}>{dateTime(n.at)}</time>
        {!n.shown && <> · {t('list.inAppOnly')}</>}
      </div>
      {n.run && (
        <details className="small">
          <summary>{t('list.details')}</summary>
          <dl className="notify-ids">
            <dt>{t('list.run')}</dt>
            <dd className="mono">{n.run.runId}</dd>
            <dt>{t('list.device')}</dt>
            <dd className={n.run.device ? 'mono' : undefined}>{n.run.device ?? t('list.thisDevice')}</dd>
          </dl>
        </details>
      )}
      <div className="row-actions">
        <button
          type="button"
          className="secondary small-btn"
          onClick={() => {
            onOpen();
            openNotice(n);
          }}
        >
          {t(`list.${opens}`)}
        </button>
      </div>
    </li>
  );
}

export function NotificationList({ onOpen }: { onOpen(): void }) {
  const { t } = useTranslation('notifications');
  const items = useNotifications((s) => s.items);
  if (items.length === 0) return <p className="muted">{t('list.empty')}</p>;
  return (
    <ul className="notify-list" aria-label={t('list.title')}>
      {items.map((n) => (
        <Item key={n.key} n={n} onOpen={onOpen} />
      ))}
    </ul>
  );
}
