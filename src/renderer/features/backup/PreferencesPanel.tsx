// Settings › Language and appearance: the language (follows the OS until chosen) and the theme,
// both remembered for this profile.
import { useTranslation } from 'react-i18next';
import { useApp } from '../../app-store';
import { LOCALES, LOCALE_NAMES, locale, setLocale, type Locale } from '../../i18n';
import { useTheme, type ThemeChoice } from '../../ui/theme';

export function PreferencesPanel() {
  const { t } = useTranslation();
  const profileId = useApp((s) => s.profile?.id ?? null);
  const theme = useTheme();
  return (
    <article className="card" aria-labelledby="prefs-title">
      <h3 id="prefs-title">{t('settings.preferences')}</h3>
      <div className="stack">
        <label className="field">
          <span>{t('settings.language')}</span>
          <select value={locale()} onChange={(e) => void setLocale(e.target.value as Locale, profileId)} data-testid="language">
            {LOCALES.map((l) => (
              <option key={l} value={l} lang={l}>
                {LOCALE_NAMES[l]}
              </option>
            ))}
          </select>
          <span className="muted small">{t('settings.languageHint')}</span>
        </label>
        <label className="field">
          <span>{t('settings.theme')}</span>
          <select value={theme.choice} onChange={(e) => theme.set(e.target.value as ThemeChoice, profileId)} data-testid="theme">
            <option value="system">{t('settings.themeSystem')}</option>
            <option value="light">{t('settings.themeLight')}</option>
            <option value="dark">{t('settings.themeDark')}</option>
          </select>
        </label>
      </div>
    </article>
  );
}
