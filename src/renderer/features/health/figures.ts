// Health check figures as people read them: "lastStartupCheckMs 0.9750279999998384" becomes
// "Last startup check: 1 ms"; camelCase keys become words, numbers are rounded, booleans are yes/no,
// sizes and times are formatted. The known keys have translated labels (health:figure.label.<key>);
// any other key is turned into English words. Values from a known set (a risk level, the allowed
// actions, a model arm, quick_check's "ok") are words too (health:figure.value.<set>.<value>).
import { bytes, dateTime, num } from '../../ui/format';
import { i18next } from '../../i18n';
import { locale } from '../../i18n/current';

const ACRONYMS: Record<string, string> = { db: 'database', wal: 'WAL', ms: 'ms', id: 'ID', gpu: 'GPU', cpu: 'CPU', url: 'URL', api: 'API', vram: 'VRAM' };

/** "lastStartupCheckMs" → "Last startup check"; the unit suffix is dropped (the value carries it). */
export function figureLabel(key: string): string {
  const known = `health:figure.label.${key}`;
  if (/^[a-zA-Z0-9]+$/.test(key) && i18next.exists(known)) return i18next.t(known);
  const base = key.replace(/(Ms|Bytes|At)$/, '');
  const words = base
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .split(' ')
    .filter(Boolean)
    .map((w) => ACRONYMS[w] ?? w);
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The figures whose value is one of a known set, and the set's words under health:figure.value. */
const VALUE_SET: Record<string, string> = { level: 'level', textArm: 'arm', embeddingArm: 'arm', quickCheck: 'quickCheck' };

/** A value of a known set in words; anything else (a newer value) as it is. */
function valueWord(set: string, v: string): string {
  const key = `health:figure.value.${set}.${v}`;
  return /^[a-zA-Z0-9_]+$/.test(v) && i18next.exists(key) ? i18next.t(key) : v;
}

function round(n: number): string {
  const digits = Math.abs(n) >= 100 || Number.isInteger(n) ? 0 : Math.abs(n) >= 1 ? 1 : 2;
  return num(n, { maximumFractionDigits: digits });
}

export function figureValue(key: string, v: string | number | boolean | null): string {
  if (v === null) return '—';
  if (typeof v === 'boolean') return i18next.t(v ? 'health:figure.yes' : 'health:figure.no');
  if (typeof v === 'number') {
    if (/Bytes$/.test(key)) return bytes(Math.round(v));
    if (/Ms$/.test(key)) return i18next.t('health:figure.ms', { value: round(v) });
    return round(v);
  }
  if (/At$/.test(key) && !Number.isNaN(Date.parse(v))) return dateTime(v);
  // governance.risk's allowed actions: "read, capture, draft".
  if (key === 'allowedNow') {
    const actions = v
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    return new Intl.ListFormat(locale(), { type: 'unit', style: 'short' }).format(actions.map((a) => valueWord('action', a)));
  }
  const set = VALUE_SET[key];
  return set ? valueWord(set, v) : v;
}
