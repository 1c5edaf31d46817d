import { useTranslation } from 'react-i18next';
import { useApp } from '../../app-store';
import { introFor, introRole, introSeen, markIntroSeen } from './intro-words';
import { introMemory, useIntro } from './intro-store';

/**
 * Three short steps of what Maestro does for this person's role, above the first view after the
 * profile is created (and once more when enrollment brings a new role). "Got it" hides it for good;
 * Help (in the navigation) shows it again.
 */
export function FirstRunIntro() {
  const { t } = useTranslation('profile');
  const profile = useApp((s) => s.profile);
  const roles = useApp((s) => s.roles);
  const asked = useIntro((s) => s.asked);
  useIntro((s) => s.version);
  const dismissed = useIntro((s) => s.dismissed);
  if (!profile) return null;
  const role = introRole(roles, profile.role);
  const mem = introMemory();
  if (!asked && introSeen(mem, profile.id, role)) return null;
  const intro = introFor(role);
  return (
    <section className="intro" aria-label={t('intro.label')} data-testid="intro" data-role={role}>
      <h2>{intro.heading}</h2>
      <ol>
        {intro.steps.map((s) => (
          <li key={s.title} data-testid="intro-step">
            <strong>{t('intro.stepTitle', { title: s.title })}</strong> {s.text}
          </li>
        ))}
      </ol>
      <div className="row-actions">
        <button
          type="button"
          onClick={() => {
            markIntroSeen(mem, profile.id, role);
            dismissed();
          }}
        >
          {t('intro.gotIt')}
        </button>
        <span className="small muted">{t('intro.helpAgain')}</span>
      </div>
    </section>
  );
}
