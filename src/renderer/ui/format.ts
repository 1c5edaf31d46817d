// Small display helpers shared by views, in the language in use (i18n/index.ts).
import { locale } from '../i18n/current';
import { ApiError } from '../../shared/errors';
import { apiErrorText } from './error-words';

const pad = (n: number) => String(n).padStart(2, '0');

/** HH:MM:SS in local time, whatever the locale. */
export function clockTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local date and time, or a dash. */
export function dateTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString(locale()) : '—';
}

/** A number in the language in use ("1,204", "1 204", "١٬٢٠٤"). */
export function num(n: number, opts?: Intl.NumberFormatOptions): string {
  return n.toLocaleString(locale(), opts);
}

/** A size with binary units; the number in the language in use ("2.0 KiB", "2,0 KiB", "٢٫٠ KiB"). */
export function bytes(n: number): string {
  const f = (x: number, d: number) => x.toLocaleString(locale(), { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: false });
  if (n < 1024) return `${f(n, 0)} B`;
  if (n < 1024 * 1024) return `${f(n / 1024, 1)} KiB`;
  if (n < 1024 ** 3) return `${f(n / 1024 / 1024, 1)} MiB`;
  return `${f(n / 1024 ** 3, 2)} GiB`;
}

/** One amount of a unit in the language in use; English keeps its short forms ("45 s", "3 min", "2 h"). */
function unit(n: number, u: 'second' | 'minute' | 'hour'): string {
  const l = locale();
  if (l === 'en') return `${n} ${u === 'second' ? 's' : u === 'minute' ? 'min' : 'h'}`;
  return new Intl.NumberFormat(l, { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
}

/** A span of seconds, coarse: "45 s", "3 min 5 s", "2 h 10 min". */
export function seconds(s: number): string {
  const n = Math.max(0, Math.round(s));
  if (n < 60) return unit(n, 'second');
  if (n < 3600) return `${unit(Math.floor(n / 60), 'minute')} ${unit(n % 60, 'second')}`;
  return `${unit(Math.floor(n / 3600), 'hour')} ${unit(Math.floor((n % 3600) / 60), 'minute')}`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "in 3 days", "2 hours ago": `iso` relative to `now` (ms since the epoch). */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const diff = (Date.parse(iso) - now) / 1000;
  if (!Number.isFinite(diff)) return '—';
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  for (const [unit, size] of UNITS) if (Math.abs(diff) >= size || unit === 'second') return rtf.format(Math.trunc(diff / size), unit);
  return '—';
}

/** An error in words: an API error in the user's language (ui/error-words.ts), any other its message. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return apiErrorText(e);
  return e instanceof Error ? e.message : String(e);
}
