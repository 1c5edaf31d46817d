import { useEffect, type ReactElement } from 'react';
import { useApp } from './app-store';
import { FirstRun } from './features/profile/FirstRun';
import { FirstRunIntro } from './features/profile/FirstRunIntro';
import { UnlockScreen } from './features/profile/UnlockScreen';
import { AuditView } from './features/audit/AuditView';
import { HealthView } from './features/health/HealthView';
import { CaptureView } from './features/capture/CaptureView';
import { OutboxView } from './features/outbox/OutboxView';
import { AdminView } from './features/admin/AdminView';
import { RunsView } from './features/runs/RunsView';
import { CardsView } from './features/cards/CardsView';
import { SealedView } from './features/sealed/SealedView';
import { SettingsView } from './features/backup/SettingsView';
import { MemoryView } from './features/memory/MemoryView';
import { TeamView } from './features/team/TeamView';
import { useTeam } from './features/team/team-store';
import { onEvent } from './api/client';
import { useDirectory } from './ui/directory-store';
import type { View } from './app-store';
import { Nav } from './Nav';
import { UpdateBanner } from './features/sealed/UpdateBanner';
import { applyProfileLocale } from './i18n';
import { useTheme } from './ui/theme';
import { useTranslation } from 'react-i18next';

const VIEWS: Record<View, () => ReactElement> = {
  capture: () => <CaptureView />,
  runs: () => <RunsView />,
  cards: () => <CardsView />,
  memory: () => <MemoryView />,
  outbox: () => <OutboxView />,
  team: () => <TeamView />,
  audit: () => <AuditView />,
  health: () => <HealthView />,
  sealed: () => <SealedView />,
  settings: () => <SettingsView />,
  admin: () => <AdminView />,
};

export function App() {
  const { status, error, profile, view, load, setRoles, lockedVault } = useApp();
  useEffect(() => {
    void load();
  }, [load]);
  // Re-render on a language change; the profile's remembered language and theme once it is known.
  const { t } = useTranslation('app');
  const profileId = profile?.id;
  useEffect(() => {
    if (!profileId) return;
    void applyProfileLocale(profileId);
    useTheme.getState().forProfile(profileId);
  }, [profileId]);
  // Enrolling (or re-enrolling) changes the roles, and with them whether the admin board shows.
  useEffect(() => onEvent('sync.status', (s) => setRoles(s.enrolled?.roles ?? [])), [setRoles]);
  // Team sync state (certificate roles, freshness, a stopped pull) follows pulls and enrollment.
  useEffect(() => {
    const offChanged = onEvent('team.changed', () => {
      void useTeam.getState().refreshStatus();
      // Newly pulled runs can name new people (the directory behind Who).
      void useDirectory.getState().refresh();
    });
    const offSync = onEvent('sync.status', (s) => {
      const t = useTeam.getState();
      if (t.status && !!s.enrolled !== t.status.enrolled) {
        void t.refreshStatus();
        void useDirectory.getState().refresh();
      }
    });
    return () => {
      offChanged();
      offSync();
    };
  }, []);

  if (status === 'loading') return <div className="center muted">{t('starting')}</div>;
  if (status === 'locked') return <UnlockScreen vault={lockedVault} />;
  if (status === 'error')
    return (
      <div className="center" role="alert">
        <h2>{t('failed')}</h2>
        <p>{error}</p>
        <button onClick={() => void load()}>{t('retry')}</button>
      </div>
    );
  if (!profile) return <FirstRun />;
  return (
    <div className="shell">
      <Nav />
      <main className="content">
        <UpdateBanner />
        <FirstRunIntro />
        {VIEWS[view]()}
      </main>
    </div>
  );
}
