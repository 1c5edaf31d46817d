// Settings: what a user sets up for this device (language and theme, backups).
import { useTranslation } from 'react-i18next';
import { BackupPanel } from './BackupPanels';
import { PreferencesPanel } from './PreferencesPanel';

export function SettingsView() {
  const { t } = useTranslation();
  return (
    <section aria-label={t('settings.title')}>
      <header className="view-head">
        <h2>{t('settings.title')}</h2>
      </header>
      <div className="cards">
        <PreferencesPanel />
        <BackupPanel />
      </div>
    </section>
  );
}
