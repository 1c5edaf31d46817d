// Settings › Notifications: whether the OS may show them (asked only from a click here, or when a
// kind is switched on while undecided), which kinds notify, and after how long a sync failure does.
// Remembered per profile. Denied: the list under the bell still gets every notification.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NOTIFY_KINDS } from './derive';
import { DEFAULT_SYNC_DELAY_MIN, MAX_SYNC_DELAY_MIN, MIN_SYNC_DELAY_MIN, useNotifyPrefs } from './prefs';
import './notifications.css';

function PermissionLine() {
  const { t } = useTranslation('notifications');
  const { permission, askPermission, refreshPermission } = useNotifyPrefs();
  // The person may have changed it in the system or browser settings meanwhile.
  useEffect(refreshPermission, [refreshPermission]);
  return (
    <div className="stack" data-testid="notify-permission" data-permission={permission}>
      <p className={permission === 'denied' ? 'small error' : 'small muted'} role={permission === 'denied' ? 'status' : undefined}>
        {t(`settings.${permission}`)}
      </p>
      {permission === 'default' && (
        <div>
          <button type="button" onClick={() => void askPermission()}>
            {t('settings.allow')}
          </button>
        </div>
      )}
    </div>
  );
}

/** Minutes as typed; kept (clamped) when the field is left or Enter pressed. */
function DelayField() {
  const { t } = useTranslation('notifications');
  const { syncDelayMin, setDelay } = useNotifyPrefs();
  const [text, setText] = useState(String(syncDelayMin));
  useEffect(() => setText(String(syncDelayMin)), [syncDelayMin]);
  const commit = () => {
    setDelay(Number(text));
    setText(String(useNotifyPrefs.getState().syncDelayMin));
  };
  return (
    <label className="field">
      <span>{t('settings.delay')}</span>
      <input
        type="number"
        min={MIN_SYNC_DELAY_MIN}
        max={MAX_SYNC_DELAY_MIN}
        step={5}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
        data-testid="notify-delay"
      />
      <span className="muted small">{t('settings.delayHint', { min: MIN_SYNC_DELAY_MIN, max: MAX_SYNC_DELAY_MIN, def: DEFAULT_SYNC_DELAY_MIN })}</span>
    </label>
  );
}

export function NotificationSettings() {
  const { t } = useTranslation('notifications');
  const { off, setKind } = useNotifyPrefs();
  return (
    <article className="card" aria-labelledby="notify-settings-title" data-testid="notify-settings">
      <h3 id="notify-settings-title">{t('settings.title')}</h3>
      <p className="small muted">{t('settings.intro')}</p>
      <PermissionLine />
      <fieldset className="notify-kinds">
        <legend>{t('settings.kinds')}</legend>
        {NOTIFY_KINDS.map((k) => (
          <label key={k}>
            <input type="checkbox" checked={!off.includes(k)} onChange={(e) => setKind(k, e.target.checked)} data-kind={k} />
            {t(`kind.${k}`)}
          </label>
        ))}
      </fieldset>
      <DelayField />
    </article>
  );
}
