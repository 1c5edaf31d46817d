// The order of the tenant's card list (channel cards.list, scope 'tenant'): by time, cost or
// uncertainty, ascending or descending, with (device, id) breaking ties, one keyset cursor over this
// device's cards and pulled ones. The same sorts as this device's own list (src/main/features/cards/query.ts).
import { ApiError } from '../../../shared/errors';
import { CARD_SORTS, type CardSort } from '../../../shared/workflow/views';

export type CardDir = 'asc' | 'desc';
/** A row's sort key: its time (ISO string) or its chosen option's cost / uncertainty (number). */
export type CardKey = string | number;
export interface OrderedRow {
  k: CardKey;
  device: string;
  id: string;
}
/** Where the previous page ended: [sort, dir, key, device, id]. */
export type CardKeyset = [sort: CardSort, dir: CardDir, key: CardKey, device: string, id: string];

export function encodeCardKeyset(sort: CardSort, dir: CardDir, r: OrderedRow): string {
  return Buffer.from(JSON.stringify([sort, dir, r.k, r.device, r.id])).toString('base64url');
}

/** The JSON a keyset cursor carries (base64url), or null when it is not one: the caller checks its shape. */
export function cursorValue(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

/** A cursor this list handed out for the same sort and order, or a validation error. */
export function decodeCardKeyset(before: string | undefined, sort: CardSort, dir: CardDir): CardKeyset | null {
  if (!before) return null;
  const k = cursorValue(before);
  const ok =
    Array.isArray(k) &&
    k.length === 5 &&
    k[0] === sort &&
    k[1] === dir &&
    (sort === 'time' ? typeof k[2] === 'string' : typeof k[2] === 'number' && Number.isFinite(k[2])) &&
    typeof k[3] === 'string' &&
    typeof k[4] === 'string';
  if (!ok) throw new ApiError('VALIDATION_ERROR', '`before` is not a cursor this list returned for this sort and order', { reason: 'cursor' });
  return k as CardKeyset;
}

const cmp = (a: CardKey | string, b: CardKey | string): number =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;

/** Two lists, each in (key, device, id) order `dir`, merged: the first `n` of both. */
export function mergeOrdered<T extends OrderedRow>(a: T[], b: T[], dir: CardDir, n: number): T[] {
  const s = dir === 'asc' ? 1 : -1;
  return [...a, ...b].sort((x, y) => s * (cmp(x.k, y.k) || cmp(x.device, y.device) || cmp(x.id, y.id))).slice(0, n);
}

export function sortOf(sort: string | undefined): CardSort {
  const s = sort ?? 'time';
  if (!(CARD_SORTS as readonly string[]).includes(s)) throw new ApiError('VALIDATION_ERROR', `sort must be one of ${CARD_SORTS.join(', ')}`);
  return s as CardSort;
}

/**
 * SQL of a pulled card's sort key (team_cards.body is the card's JSON): the chosen option's predicted
 * cost (rounded, never below 0) or uncertainty, 0 when none is chosen, as sortKeysOf computes for this
 * device's cards.
 */
export function pulledKeySql(sort: CardSort): string {
  if (sort === 'time') return 'created_at';
  const field = sort === 'cost' ? 'predictedCostCents' : 'uncertainty';
  const value = sort === 'cost' ? `MAX(0, CAST(ROUND(json_extract(o.value, '$.${field}')) AS INTEGER))` : `json_extract(o.value, '$.${field}')`;
  return `COALESCE((SELECT ${value} FROM json_each(team_cards.body, '$.options') o WHERE json_extract(o.value, '$.id') = json_extract(team_cards.body, '$.chosen') LIMIT 1), 0)`;
}
