// Settings: what a user sets up for this device (language and theme, notifications, backups).
import { useTranslation } from 'react-i18next';
import { BackupPanel } from './BackupPanels';
import { PreferencesPanel } from './PreferencesPanel';
import { NotificationSettings } from '../notifications/NotificationSettings';

export function SettingsView() {
  const { t } = useTranslation();
  return (
    <section aria-label={t('settings.title')}>
      <header className="view-head">
        <h2>{t('settings.title')}</h2>
      </header>
      <div className="cards">
        <PreferencesPanel />
        <NotificationSettings />
        <BackupPanel />
      </div>
    </section>
  );
}
