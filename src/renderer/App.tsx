import { useEffect, type ReactElement } from 'react';
import { useApp } from './store/app-store';
import { FirstRun } from './views/first-run/FirstRun';
import { AuditView } from './views/audit/AuditView';
import { HealthView } from './views/health/HealthView';
import { CaptureView } from './views/capture/CaptureView';
import { OutboxView } from './views/outbox/OutboxView';
import { AdminView } from './views/admin/AdminView';
import { RunsView } from './views/runs/RunsView';
import { CardsView } from './views/cards/CardsView';
import { SealedView } from './views/sealed/SealedView';
import { MemoryView } from './views/memory/MemoryView';
import { TeamView } from './views/team/TeamView';
import { useTeam } from './store/team-store';
import { onEvent } from './api/client';
import type { View } from './store/app-store';
import { Nav } from './components/Nav';
import { UpdateBanner } from './components/UpdateBanner';

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
  admin: () => <AdminView />,
};

export function App() {
  const { status, error, profile, view, load, setRoles } = useApp();
  useEffect(() => {
    void load();
  }, [load]);
  // Enrolling (or re-enrolling) changes the roles, and with them whether the admin board shows.
  useEffect(() => onEvent('sync.status', (s) => setRoles(s.enrolled?.roles ?? [])), [setRoles]);
  // Team sync state (certificate roles, freshness, a stopped pull) follows pulls and enrollment.
  useEffect(() => {
    const offChanged = onEvent('team.changed', () => void useTeam.getState().refreshStatus());
    const offSync = onEvent('sync.status', (s) => {
      const t = useTeam.getState();
      if (t.status && !!s.enrolled !== t.status.enrolled) void t.refreshStatus();
    });
    return () => {
      offChanged();
      offSync();
    };
  }, []);

  if (status === 'loading') return <div className="center muted">Starting Maestro…</div>;
  if (status === 'error')
    return (
      <div className="center" role="alert">
        <h2>Maestro could not start</h2>
        <p>{error}</p>
        <button onClick={() => void load()}>Try again</button>
      </div>
    );
  if (!profile) return <FirstRun />;
  return (
    <div className="shell">
      <Nav />
      <main className="content">
        <UpdateBanner />
        {VIEWS[view]()}
      </main>
    </div>
  );
}
