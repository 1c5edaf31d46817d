/// <reference types="vite/client" />
// Translation of every user-visible string (decision 0028): i18next with ICU messages (plurals,
// select, numbers) through i18next-icu, one namespace per renderer feature, bundled with the app
// (no network). English is the source; every locale has every English key (locales.test.ts).
// Language: the one chosen in Settings for this profile, else the OS (navigator.languages), else
// English. Arabic sets dir="rtl" on the document, and the styles use logical properties.
import i18next, { type i18n } from 'i18next';
import ICU from 'i18next-icu';
import { initReactI18next } from 'react-i18next';
import { setCurrentLocale } from './current';

export const LOCALES = ['en', 'sv', 'fr', 'es', 'sw', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];
/** Each language's name in that language (the Settings list). */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', sv: 'Svenska', fr: 'Français', es: 'Español', sw: 'Kiswahili', ar: 'العربية' };

type Messages = { [k: string]: string | Messages };
const files = import.meta.glob<Messages>('./locales/*/*.json', { eager: true, import: 'default' });

/** { locale: { namespace: messages } } from locales/<locale>/<namespace>.json. */
export function bundledResources(): Record<string, Record<string, Messages>> {
  const out: Record<string, Record<string, Messages>> = {};
  for (const [path, messages] of Object.entries(files)) {
    const m = /\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
    if (m) (out[m[1]!] ??= {})[m[2]!] = messages;
  }
  return out;
}

export const NAMESPACES = Object.keys(bundledResources().en ?? {});

/** Keys asked for that a locale lacks (shown in the e2e locale walk); English text is shown instead. */
export const missingKeys = new Set<string>();

const STORE_KEY = 'maestro.locale';

/** The first supported locale among the OS's preferred languages, else English. */
export function osLocale(langs: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): Locale {
  for (const l of langs) {
    const base = l.toLowerCase().split('-')[0] as Locale;
    if (LOCALES.includes(base)) return base;
  }
  return 'en';
}

function stored(profileId: string | null): Locale | null {
  try {
    const v = localStorage.getItem(`${STORE_KEY}.${profileId ?? 'device'}`);
    return v && (LOCALES as readonly string[]).includes(v) ? (v as Locale) : null;
  } catch {
    return null;
  }
}

function applyDocument(lng: string): void {
  setCurrentLocale(lng);
  if (typeof document === 'undefined') return;
  document.documentElement.lang = lng;
  document.documentElement.dir = i18next.dir(lng);
}

export function initI18n(lng: Locale = stored(null) ?? osLocale()): i18n {
  if (i18next.isInitialized) return i18next;
  void i18next
    .use(ICU)
    .use(initReactI18next)
    .init({
      resources: bundledResources(),
      lng,
      fallbackLng: 'en',
      supportedLngs: [...LOCALES],
      ns: NAMESPACES,
      defaultNS: 'common',
      interpolation: { escapeValue: false },
      returnNull: false,
      saveMissing: true,
      missingKeyHandler: (lngs, ns, key) => {
        missingKeys.add(`${lngs.join(',')}:${ns}:${key}`);
      },
      initAsync: false,
    });
  i18next.on('languageChanged', applyDocument);
  // The e2e locale walk reads which keys were asked for and not found in any language.
  (globalThis as Record<string, unknown>).__maestroMissingKeys = missingKeys;
  applyDocument(lng);
  return i18next;
}

/** The language in use now. */
export function locale(): Locale {
  const l = i18next.language;
  return (LOCALES as readonly string[]).includes(l) ? (l as Locale) : 'en';
}

/** Switch language and remember it for this profile (and as the device's choice before sign-in). */
export async function setLocale(lng: Locale, profileId: string | null): Promise<void> {
  try {
    localStorage.setItem(`${STORE_KEY}.${profileId ?? 'device'}`, lng);
    localStorage.setItem(`${STORE_KEY}.device`, lng);
  } catch {
    // storage unavailable: the choice lasts this session
  }
  await i18next.changeLanguage(lng);
}

/** Once the profile is known: its remembered language, if it has one. */
export async function applyProfileLocale(profileId: string): Promise<void> {
  const l = stored(profileId);
  if (l && l !== i18next.language) await i18next.changeLanguage(l);
}

export { i18next };
