import { useApp, type View } from './app-store';
import { hostKind } from './api/client';
import { useIntro } from './features/profile/intro-store';
import { useTranslation } from 'react-i18next';
import { NotifyBell } from './features/notifications/NotifyBell';

const items: { id: View }[] = [
  { id: 'capture' },
  { id: 'runs' },
  { id: 'cards' },
  { id: 'memory' },
  { id: 'outbox' },
  { id: 'audit' },
  { id: 'health' },
  { id: 'sealed' },
  { id: 'settings' },
];

export function Nav() {
  const { view, go, profile, info, roles } = useApp();
  const showIntro = useIntro((s) => s.show);
  const { t } = useTranslation();
  // Team sync shows once the device is enrolled (right after Outbox); the devices board for admins.
  const withTeam = roles.length > 0 ? items.flatMap((i) => (i.id === 'outbox' ? [i, { id: 'team' as const }] : [i])) : items;
  const shown = roles.includes('admin') ? [...withTeam, { id: 'admin' as const }] : withTeam;
  return (
    <nav className="nav" aria-label={t('nav.label')}>
      <div className="brand">{t('brand')}</div>
      <NotifyBell />
      {shown.map((i) => (
        <button
          key={i.id}
          className={view === i.id ? 'nav-item active' : 'nav-item'}
          aria-current={view === i.id ? 'page' : undefined}
          onClick={() => go(i.id)}
        >
          {t(`nav.${i.id}`)}
        </button>
      ))}
      <div className="nav-foot">
        <div>{profile?.name}</div>
        <div className="muted small">
          {profile?.tenant} · {(roles.length ? roles : profile ? [profile.role] : []).map((r) => t(`role.${r}`)).join(', ')}
        </div>
        <div className="muted small">{t('nav.version', { version: info?.version ?? '', host: hostKind === 'web' ? 'web' : 'desktop' })}</div>
        <button type="button" className="secondary small-btn" onClick={showIntro}>
          {t('nav.help')}
        </button>
      </div>
    </nav>
  );
}
