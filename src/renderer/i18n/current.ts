// The language in use, for the formatting helpers (ui/format.ts) that run outside React; i18n/index.ts
// keeps it current. No DOM and no i18next here, so plain Node code and tests can import the helpers.
let current = 'en';

export function locale(): string {
  return current;
}

export function setCurrentLocale(lng: string): void {
  current = lng;
}
