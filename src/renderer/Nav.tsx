import { useApp, type View } from './app-store';
import { hostKind } from './api/client';
import { useIntro } from './features/profile/intro-store';

const items: { id: View; label: string }[] = [
  { id: 'capture', label: 'Capture' },
  { id: 'runs', label: 'Runs' },
  { id: 'cards', label: 'Decision cards' },
  { id: 'memory', label: 'Memory' },
  { id: 'outbox', label: 'Outbox' },
  { id: 'audit', label: 'Audit' },
  { id: 'health', label: 'Health' },
  { id: 'sealed', label: 'Sealed state' },
  { id: 'settings', label: 'Settings' },
];

export function Nav() {
  const { view, go, profile, info, roles } = useApp();
  const showIntro = useIntro((s) => s.show);
  // Team sync shows once the device is enrolled (right after Outbox); the devices board for admins.
  const withTeam = roles.length > 0 ? items.flatMap((i) => (i.id === 'outbox' ? [i, { id: 'team' as const, label: 'Team' }] : [i])) : items;
  const shown = roles.includes('admin') ? [...withTeam, { id: 'admin' as const, label: 'Devices (admin)' }] : withTeam;
  return (
    <nav className="nav" aria-label="Main">
      <div className="brand">Maestro</div>
      {shown.map((i) => (
        <button
          key={i.id}
          className={view === i.id ? 'nav-item active' : 'nav-item'}
          aria-current={view === i.id ? 'page' : undefined}
          onClick={() => go(i.id)}
        >
          {i.label}
        </button>
      ))}
      <div className="nav-foot">
        <div>{profile?.name}</div>
        <div className="muted small">
          {profile?.tenant} · {roles.length ? roles.join(', ') : profile?.role}
        </div>
        <div className="muted small">
          v{info?.version} · {hostKind === 'web' ? 'web host' : 'desktop'}
        </div>
        <button type="button" className="secondary small-btn" onClick={showIntro}>
          Help
        </button>
      </div>
    </nav>
  );
}
