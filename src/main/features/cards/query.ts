// The card list query: filters, one of three sorts, keyset paging. The SQL is assembled from fixed
// fragments only (every value is a bound parameter), and the driving table is chosen so that a page
// is an index range scan that stops after `limit + 1` rows:
//   - sort by time = by seq (record time never decreases, see the migration's trigger);
//   - text + time: the FTS5 index drives, in rowid (= seq) order;
//   - failed invariant + time: card_failed_invariants (invariant_id, card_seq) drives;
//   - lane + sort: (lane, cost_cents | uncertainty) and (lane) + rowid;
//   - a date range is turned into a seq range before the query (two index look-ups).
import { ApiError } from '../../../shared/errors';
import { CARD_STATUSES_FOR_QUERY, type NormalizedQuery } from './query-types';
import { LANES } from '../../../shared/workflow/types';
import { CARD_SORTS, type CardListQuery, type CardSort } from '../../../shared/workflow/views';

export type { NormalizedQuery } from './query-types';

export interface CardRow {
  seq: number;
  body: string;
  status: string;
  audit_hash: string;
  cost_cents: number;
  uncertainty: number;
  created_at: string;
}

export const MAX_PAGE = 500;

const bad = (message: string, path: string) => new ApiError('VALIDATION_ERROR', message, [{ path, keyword: 'query', message }]);

/**
 * Words of the user's text as an FTS5 query: every word must occur (stemmed: "budgets" finds
 * "budget"); the last word may also be a prefix (typing "insp" finds "inspection"). Only word
 * characters pass, each quoted, so the user's text is never FTS5 syntax.
 */
export function ftsExpression(text: string): string | null {
  const words = (text.normalize('NFKC').match(/[\p{L}\p{N}_]+/gu) ?? []).slice(0, 12);
  if (!words.length) return null;
  return words.map((w, i) => (i === words.length - 1 ? `("${w}" OR "${w}"*)` : `"${w}"`)).join(' AND ');
}

const isoOrNull = (v: string | undefined, path: string): string | null => {
  if (v === undefined || v === '') return null;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw bad(`${path} is not a date or ISO time`, `/${path}`);
  return new Date(t).toISOString();
};

export function normalizeQuery(q: CardListQuery): NormalizedQuery {
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw bad(`limit must be an integer in 1..${MAX_PAGE}`, '/limit');
  const sort = q.sort ?? 'time';
  if (!(CARD_SORTS as readonly string[]).includes(sort)) throw bad(`sort must be one of ${CARD_SORTS.join(', ')}`, '/sort');
  const dir = q.dir ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw bad('dir must be asc or desc', '/dir');
  if (q.lane !== undefined && !(LANES as readonly string[]).includes(q.lane)) throw bad(`lane must be one of ${LANES.join(', ')}`, '/lane');
  if (q.status !== undefined && !(CARD_STATUSES_FOR_QUERY as readonly string[]).includes(q.status))
    throw bad(`status must be one of ${CARD_STATUSES_FOR_QUERY.join(', ')}`, '/status');
  if (q.text !== undefined && q.text.length > 500) throw bad('text is longer than 500 characters', '/text');
  return {
    text: q.text ? ftsExpression(q.text) : null,
    lane: q.lane ?? null,
    status: q.status ?? null,
    failedInvariant: q.failedInvariant || null,
    runId: q.runId || null,
    from: isoOrNull(q.from, 'from'),
    to: isoOrNull(q.to, 'to'),
    sort,
    dir,
    limit,
    cursor: q.cursor || null,
  };
}

export type Cursor = { seq: number; value: number | null };

export function encodeCursor(sort: CardSort, r: CardRow): string {
  const value = sort === 'cost' ? r.cost_cents : sort === 'uncertainty' ? r.uncertainty : null;
  return Buffer.from(JSON.stringify([sort, value, r.seq])).toString('base64url');
}

export function decodeCursor(s: string, sort: CardSort): Cursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw bad('cursor is not one this API returned', '/cursor');
  }
  if (
    !Array.isArray(v) ||
    v.length !== 3 ||
    v[0] !== sort ||
    !Number.isInteger(v[2]) ||
    (sort === 'time' ? v[1] !== null : typeof v[1] !== 'number' || !Number.isFinite(v[1]))
  ) {
    throw bad('cursor is not one this API returned for this sort', '/cursor');
  }
  return { value: v[1] as number | null, seq: v[2] as number };
}

const COLUMNS = 'c.seq, c.body, c.status, c.audit_hash, c.cost_cents, c.uncertainty, c.created_at';

/**
 * What drives the page. `sort`: walk an index in the requested order and test the other filters on
 * each entry, stopping after limit + 1 hits (good unless every filter is rare). The others: read the
 * few rows one selective filter names, then sort them (chosen when that filter matches at most
 * DRIVE_MAX rows, counted with a capped COUNT before the query).
 */
export type Driver = 'sort' | 'range' | 'run' | 'status' | 'text' | 'invariant';
export const DRIVE_MAX = 2000;

/** The FROM clause (table, join or index) the driver walks, and how it names seq; pushes the join's own filter. */
function sourceOf(q: NormalizedQuery, driver: Driver, where: string[]): { from: string; seqRef: string } {
  let from: string;
  let seqRef = 'c.seq';
  if (driver === 'sort') {
    if (q.sort === 'time' && q.text !== null) {
      // FTS5 walks its doclist in rowid (= seq) order.
      from = 'cards_fts f JOIN decision_cards c ON c.seq = f.rowid';
      seqRef = 'f.rowid';
      where.push('cards_fts MATCH :fts');
    } else if (q.sort === 'time' && q.failedInvariant !== null) {
      from = 'card_failed_invariants fi JOIN decision_cards c ON c.seq = fi.card_seq';
      seqRef = 'fi.card_seq';
      where.push('fi.invariant_id = :inv');
    } else if (q.sort === 'time') {
      from = `decision_cards c ${q.lane !== null ? 'INDEXED BY cards_lane' : q.status !== null && q.status !== 'approved' && q.status !== 'rejected' ? 'INDEXED BY cards_status' : 'NOT INDEXED'}`;
    } else {
      const idx = `cards_${q.lane !== null ? 'lane_' : ''}${q.sort === 'cost' ? 'cost' : 'unc'}`;
      from = `decision_cards c INDEXED BY ${idx}`;
    }
  } else if (driver === 'run') {
    from = 'decision_cards c INDEXED BY cards_run';
  } else if (driver === 'status' && (q.status === 'approved' || q.status === 'rejected')) {
    // The few cards that decided so themselves, and those whose approval did.
    from = 'decision_cards c NOT INDEXED';
    where.push('c.seq IN (SELECT seq FROM decision_cards WHERE status = :status UNION SELECT card_seq FROM card_approvals WHERE state = :status)');
  } else if (driver === 'status') {
    from = 'decision_cards c INDEXED BY cards_status';
  } else {
    // range: rowid range; text / invariant: rowid IN (the few matching seqs).
    from = 'decision_cards c NOT INDEXED';
  }
  return { from, seqRef };
}

/** The page SELECT (fetches limit + 1 rows: the extra one says whether there is a next page). */
export function buildCardQuery(
  q: NormalizedQuery,
  b: { seqFrom: number | null; seqTo: number | null; cursor: Cursor | null; driver?: Driver },
): { sql: string; params: Record<string, unknown> } {
  const driver = b.driver ?? 'sort';
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: q.limit + 1 };
  const sortCol = q.sort === 'cost' ? 'c.cost_cents' : q.sort === 'uncertainty' ? 'c.uncertainty' : null;
  if (q.text !== null) params.fts = q.text;
  if (q.failedInvariant !== null) params.inv = q.failedInvariant;
  const { from, seqRef } = sourceOf(q, driver, where);
  // Walking a cost / uncertainty index, seq is a column of the index: a seq constraint there must stay a
  // test on each entry (unary +), or the planner turns it into a skip-scan over every sort-key value.
  const seqTest = sortCol !== null && driver === 'sort' ? `+${seqRef}` : seqRef;
  if (q.text !== null && seqRef !== 'f.rowid')
    where.push(`${driver === 'text' ? 'c.seq' : '+c.seq'} IN (SELECT rowid FROM cards_fts WHERE cards_fts MATCH :fts)`);
  if (q.failedInvariant !== null && seqRef !== 'fi.card_seq') {
    where.push(
      driver === 'invariant'
        ? 'c.seq IN (SELECT card_seq FROM card_failed_invariants WHERE invariant_id = :inv)'
        : 'EXISTS (SELECT 1 FROM card_failed_invariants x WHERE x.invariant_id = :inv AND x.card_seq = c.seq)',
    );
  }
  if (q.lane !== null) {
    where.push('c.lane = :lane');
    params.lane = q.lane;
  }
  if (q.runId !== null) {
    where.push('c.run_id = :run');
    params.run = q.runId;
  }
  if (q.status !== null) {
    params.status = q.status;
    if (q.status === 'allowed' || q.status === 'denied') {
      where.push('c.status = :status');
    } else if (q.status === 'awaiting_approval') {
      where.push("c.status = 'awaiting_approval' AND NOT EXISTS (SELECT 1 FROM card_approvals a WHERE a.card_seq = c.seq)");
    } else {
      // approved / rejected: an approval card's own decision, or the latest approval of an awaiting card.
      where.push(
        "c.status IN ('awaiting_approval', :status) AND COALESCE((SELECT a.state FROM card_approvals a WHERE a.card_seq = c.seq ORDER BY a.id DESC LIMIT 1), c.status) = :status",
      );
    }
  }
  if (b.seqFrom !== null) {
    where.push(`${seqTest} >= :seqFrom`);
    params.seqFrom = b.seqFrom;
  }
  if (b.seqTo !== null) {
    where.push(`${seqTest} <= :seqTo`);
    params.seqTo = b.seqTo;
  }
  const desc = q.dir === 'desc';
  const cmp = desc ? '<' : '>';
  const ord = desc ? 'DESC' : 'ASC';
  if (b.cursor) {
    params.cs = b.cursor.seq;
    if (sortCol) {
      params.cv = b.cursor.value;
      where.push(`(${sortCol}, ${seqRef}) ${cmp} (:cv, :cs)`);
    } else {
      where.push(`${seqRef} ${cmp} :cs`);
    }
  }
  const orderBy = sortCol ? `${sortCol} ${ord}, ${seqRef} ${ord}` : `${seqRef} ${ord}`;
  const sql = `SELECT ${COLUMNS} FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy} LIMIT :limit`;
  return { sql, params };
}
