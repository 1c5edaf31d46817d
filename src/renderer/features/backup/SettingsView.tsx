// Settings: what a user sets up for this device (today: backups).
import { BackupPanel } from './BackupPanels';

export function SettingsView() {
  return (
    <section aria-label="Settings">
      <header className="view-head">
        <h2>Settings</h2>
      </header>
      <div className="cards">
        <BackupPanel />
      </div>
    </section>
  );
}
