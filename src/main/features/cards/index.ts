// Decision cards: one immutable record per gated or automated decision (a run's start, each step's
// guard + the executor's own choice, each approval). A card is written in the same transaction as
// the audit entry that records it (`card.recorded`, carrying the SHA-256 of the card body), and the
// card keeps that entry's hash. Triggers refuse UPDATE and DELETE on every card table; an approval
// is a new row in card_approvals, and a card's approval/status is its latest approval.
import { toJsonValue } from '../../../shared/json';
import { hash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { AuditService } from '../../platform/audit/index';
import { canonicalJson } from '../../../shared/canonical';
import { reasonForLog } from '../../../shared/policy/reasons';
import { ApiError } from '../../../shared/errors';
import { newUlid } from '../../platform/util/ulid';
import { CARD_KINDS, LANES, type Approval, type CardStatus, type DecisionCard, type Lane } from '../../../shared/workflow/types';
import type { CardListQuery, CardListResponse, CardStats } from '../../../shared/workflow/views';
import { buildCardQuery, decodeCursor, DRIVE_MAX, encodeCursor, normalizeQuery, type CardRow, type Driver } from './query';
import type { NormalizedQuery } from './query-types';
import type { NewCard } from './types';

export type { NewCard } from './types';

export const NO_APPROVAL: Approval = { state: 'not_required', by: null, at: null, comment: null };

/** The card's sort keys: the chosen option's predicted cost and uncertainty (0 / 0 when none is chosen). */
export function sortKeysOf(card: Pick<DecisionCard, 'options' | 'chosen'>): { costCents: number; uncertainty: number } {
  const o = card.options.find((x) => x.id === card.chosen);
  return { costCents: o ? Math.max(0, Math.round(o.predictedCostCents)) : 0, uncertainty: o ? o.uncertainty : 0 };
}

/** Words the full-text index holds for a card besides subject and rationale. */
export function reasonsText(card: Pick<DecisionCard, 'laneReasons' | 'policy' | 'invariants' | 'nextSafeStep'>): string {
  // Messages as their code and params (the same in every language: a search finds the numbers and names).
  return [
    ...card.laneReasons.map(reasonForLog),
    ...card.policy.reasons.map(reasonForLog),
    ...card.invariants.filter((i) => !i.pass).map((i) => `${i.id} ${i.message ?? ''} ${i.error ?? ''}`),
    card.nextSafeStep ? reasonForLog(card.nextSafeStep) : '',
  ].join('\n');
}

const bodyOf = (c: DecisionCard): Omit<DecisionCard, 'auditHash'> => {
  const { auditHash: _a, ...rest } = c;
  return rest;
};

export interface CardStore {
  /**
   * Append the `card.recorded` audit entry and the card, in the caller's transaction (or its own).
   * `actor` is the audit actor (e.g. `service:runs`).
   */
  record(card: NewCard, actor: string, opts?: RecordOptions): DecisionCard;
  /**
   * Cards recorded before card search knew the record's title fields (schema version 14): index each
   * under its run's words, once, in batches (`wordsOf` null: no such run). Returns how many were indexed.
   */
  backfillRecordWords(wordsOf: (runId: string) => string | null): number;
  /** Bulk insert of complete cards (import, benchmarks): one transaction, no audit entries. */
  insertMany(cards: DecisionCard[]): void;
  /** Append an approval to a card (audited). The card's approval/status become this approval. */
  appendApproval(
    cardId: string,
    a: { state: 'approved' | 'rejected'; by: string; at: string; comment: string | null; via?: Approval['via'] },
    actor: string,
  ): DecisionCard;
  /** One card; its approval/status are its latest approval. NOT_FOUND otherwise. */
  get(id: string): DecisionCard;
  /** Every approval appended to a card, oldest first. */
  approvals(id: string): Approval[];
  /** A page: filters, sort, keyset cursor (limit 1..500, default 100). VALIDATION_ERROR on a bad query. */
  list(q: CardListQuery): CardListResponse;
  /** Cards per lane per UTC day over the last `days` days (default 30, 1..366), and the most failed invariants. */
  stats(days?: number): CardStats;
  /** Every card of a run, oldest first. */
  forRun(runId: string): DecisionCard[];
  /** The page query's plan (EXPLAIN QUERY PLAN lines) and driver: for tests and diagnostics. */
  explain(q: CardListQuery): { driver: Driver; sql: string; plan: string[] };
  count(): number;
}

type ApprovalRow = {
  state: Approval['state'];
  by: string;
  at: string;
  comment: string | null;
  device: string | null;
  cert_version: number | null;
  approval_id: string | null;
};

const approvalOf = (r: ApprovalRow): Approval => ({
  state: r.state,
  by: r.by,
  at: r.at,
  comment: r.comment,
  ...(r.device && r.cert_version && r.approval_id ? { via: { device: r.device, certVersion: r.cert_version, approvalId: r.approval_id } } : {}),
});

const check = (card: DecisionCard) => {
  if (!(CARD_KINDS as readonly string[]).includes(card.kind)) throw new ApiError('VALIDATION_ERROR', `unknown card kind ${card.kind}`);
  if (!(LANES as readonly string[]).includes(card.lane)) throw new ApiError('VALIDATION_ERROR', `unknown lane ${card.lane}`);
};

/** Capped counts: what each selective filter matches, up to DRIVE_MAX + 1 (cheap whatever the size). */
const CAP = DRIVE_MAX + 1;

function statements(db: Db) {
  return {
    insertCard: db.prepare(
      `INSERT INTO decision_cards (id, kind, run_id, step_id, created_at, lane, status, cost_cents, uncertainty, body, audit_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertFts: db.prepare('INSERT INTO cards_fts (rowid, subject, rationale, reasons) VALUES (?, ?, ?, ?)'),
    insertFailed: db.prepare('INSERT OR IGNORE INTO card_failed_invariants (invariant_id, card_seq) VALUES (?, ?)'),
    insertApproval: db.prepare(
      'INSERT INTO card_approvals (card_seq, state, by, at, comment, audit_hash, device, cert_version, approval_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    lastCreated: db.prepare('SELECT created_at FROM decision_cards ORDER BY created_at DESC LIMIT 1').pluck(),
    byId: db.prepare('SELECT seq, body, status, audit_hash, cost_cents, uncertainty, created_at FROM decision_cards WHERE id = ?'),
    approvalsOf: db.prepare('SELECT state, by, at, comment, device, cert_version, approval_id FROM card_approvals WHERE card_seq = ? ORDER BY id'),
    latestApproval: db.prepare(
      'SELECT state, by, at, comment, device, cert_version, approval_id FROM card_approvals WHERE card_seq = ? ORDER BY id DESC LIMIT 1',
    ),
    forRun: db.prepare('SELECT seq, body, status, audit_hash, cost_cents, uncertainty, created_at FROM decision_cards WHERE run_id = ? ORDER BY seq'),
    count: db.prepare('SELECT count(*) FROM decision_cards').pluck(),
    seqAtOrAfter: db.prepare('SELECT seq FROM decision_cards WHERE created_at >= ? ORDER BY created_at, seq LIMIT 1').pluck(),
    seqAtOrBefore: db.prepare('SELECT seq FROM decision_cards WHERE created_at <= ? ORDER BY created_at DESC, seq DESC LIMIT 1').pluck(),
    countText: db.prepare('SELECT count(*) FROM (SELECT rowid FROM cards_fts WHERE cards_fts MATCH ? LIMIT ?)').pluck(),
    countInv: db.prepare('SELECT count(*) FROM (SELECT 1 FROM card_failed_invariants WHERE invariant_id = ? LIMIT ?)').pluck(),
    countRun: db.prepare('SELECT count(*) FROM (SELECT 1 FROM decision_cards WHERE run_id = ? LIMIT ?)').pluck(),
    countStatus: db.prepare('SELECT count(*) FROM (SELECT 1 FROM decision_cards WHERE status = ? LIMIT ?)').pluck(),
    countApprovals: db.prepare('SELECT count(*) FROM (SELECT 1 FROM card_approvals WHERE state = ? LIMIT ?)').pluck(),
    statsDays: db.prepare('SELECT substr(created_at, 1, 10) AS day, lane, count(*) AS n FROM decision_cards WHERE created_at >= ? GROUP BY day, lane'),
    statsInv: db.prepare(
      'SELECT invariant_id AS id, count(*) AS count FROM card_failed_invariants WHERE card_seq >= ? GROUP BY invariant_id ORDER BY count DESC, id LIMIT 20',
    ),
  };
}

/** What the recording feature adds to a card's search index besides the card itself. */
export interface RecordOptions {
  /** The run's record in words (its title fields' values: "RPT-2026-103 PS-7, PS-9 …"): card search finds the card by them. */
  searchWords?: string;
}

export interface CardStoreDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  /** Called inside the writing transaction when a card is recorded or gains an approval (team sync shares it). */
  onChange?: (card: DecisionCard) => void;
}

/** The card store over SQLite (see the top of this file); createCardStore builds one. */
class SqliteCardStore implements CardStore {
  private readonly db: Db;
  private readonly st: ReturnType<typeof statements>;
  private readonly stmts = new Map<string, Statement>();

  constructor(private readonly deps: CardStoreDeps) {
    this.db = deps.db;
    this.st = statements(deps.db);
  }

  private prepared(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** The most selective filter drives when it matches at most DRIVE_MAX rows; otherwise the sort order does. */
  private chooseDriver(q: NormalizedQuery, seqFrom: number | null, seqTo: number | null): Driver {
    const { countRun, countStatus, countApprovals, countText, countInv } = this.st;
    const candidates: [Driver, number][] = [];
    if (seqFrom !== null || seqTo !== null) {
      const hi = seqTo ?? Number.MAX_SAFE_INTEGER;
      candidates.push(['range', hi - (seqFrom ?? 0) + 1]);
    }
    if (q.runId !== null) candidates.push(['run', countRun.get(q.runId, CAP) as number]);
    if (q.status === 'awaiting_approval') candidates.push(['status', countStatus.get(q.status, CAP) as number]);
    if (q.status === 'approved' || q.status === 'rejected')
      candidates.push(['status', (countStatus.get(q.status, CAP) as number) + (countApprovals.get(q.status, CAP) as number)]);
    // Time-sorted text and invariant filters already walk in seq order; they drive only to beat another.
    if (q.text !== null) candidates.push(['text', countText.get(q.text, CAP) as number]);
    if (q.failedInvariant !== null) candidates.push(['invariant', countInv.get(q.failedInvariant, CAP) as number]);
    const best = candidates.sort((a, b) => a[1] - b[1])[0];
    if (!best || best[1] > DRIVE_MAX) return 'sort';
    if (q.sort === 'time' && (best[0] === 'text' || best[0] === 'invariant')) return 'sort';
    return best[0];
  }

  /** null when the date range holds no card. */
  private planOf(query: CardListQuery): { q: NormalizedQuery; driver: Driver; sql: string; params: Record<string, unknown> } | null {
    const q = normalizeQuery(query);
    let seqFrom: number | null = null;
    let seqTo: number | null = null;
    if (q.from !== null) {
      seqFrom = (this.st.seqAtOrAfter.get(q.from) as number | undefined) ?? null;
      if (seqFrom === null) return null;
    }
    if (q.to !== null) {
      seqTo = (this.st.seqAtOrBefore.get(q.to) as number | undefined) ?? null;
      if (seqTo === null) return null;
    }
    if (seqFrom !== null && seqTo !== null && seqFrom > seqTo) return null;
    const cursor = q.cursor ? decodeCursor(q.cursor, q.sort) : null;
    const driver = this.chooseDriver(q, seqFrom, seqTo);
    return { q, driver, ...buildCardQuery(q, { seqFrom, seqTo, cursor, driver }) };
  }

  /** Record time never goes backwards, so seq order is time order and a date range is a seq range. */
  private stamp(): string {
    const now = this.deps.clock.now().toISOString();
    const last = this.st.lastCreated.get() as string | undefined;
    return last && last > now ? last : now;
  }

  private write(card: DecisionCard, searchWords = ''): number {
    const { costCents, uncertainty } = sortKeysOf(card);
    const body = canonicalJson(bodyOf(card));
    const seq = Number(
      this.st.insertCard.run(card.id, card.kind, card.runId, card.stepId, card.createdAt, card.lane, card.status, costCents, uncertainty, body, card.auditHash)
        .lastInsertRowid,
    );
    this.st.insertFts.run(seq, card.subject, card.rationale, searchWords ? `${reasonsText(card)}\n${searchWords}` : reasonsText(card));
    for (const inv of card.invariants) if (!inv.pass) this.st.insertFailed.run(inv.id, seq);
    return seq;
  }

  private hydrate(r: CardRow): DecisionCard {
    const body = JSON.parse(r.body) as Omit<DecisionCard, 'auditHash'>;
    const card: DecisionCard = { ...body, auditHash: r.audit_hash };
    if (r.status === 'awaiting_approval') {
      const row = this.st.latestApproval.get(r.seq) as ApprovalRow | undefined;
      if (row) {
        const a = approvalOf(row);
        card.approval = a;
        card.status = a.state as CardStatus;
      }
    }
    return card;
  }

  private getRow(id: string): CardRow {
    const r = this.st.byId.get(id) as CardRow | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No decision card ${id}`, { reason: 'card' });
    return r;
  }

  get(id: string): DecisionCard {
    return this.hydrate(this.getRow(id));
  }

  record(input: NewCard, actor: string, opts: RecordOptions = {}): DecisionCard {
    return this.db.transaction(() => {
      const card0: Omit<DecisionCard, 'auditHash'> = toJsonValue({
        ...input,
        id: `card_${newUlid()}`,
        createdAt: this.stamp(),
        approval: input.approval ?? NO_APPROVAL,
      });
      const draft = { ...card0, auditHash: '' } as DecisionCard;
      check(draft);
      const body = canonicalJson(card0);
      const entry = this.deps.audit.append({
        actor,
        action: 'card.recorded',
        subject: card0.id,
        payload: {
          run: card0.runId,
          step: card0.stepId,
          kind: card0.kind,
          lane: card0.lane,
          status: card0.status,
          chosen: card0.chosen,
          failedInvariants: card0.invariants.filter((i) => !i.pass).map((i) => i.id),
          bodySha256: hash('sha256', body, 'hex'),
        },
      });
      const card: DecisionCard = { ...card0, auditHash: entry.hash };
      this.write(card, opts.searchWords?.slice(0, 2_000));
      this.deps.onChange?.(card);
      return card;
    })();
  }

  backfillRecordWords(wordsOf: (runId: string) => string | null): number {
    const state = this.db.prepare('SELECT done_to, legacy_to FROM card_search_backfill WHERE singleton = 1').get() as
      { done_to: number; legacy_to: number } | undefined;
    if (!state || state.done_to >= state.legacy_to) return 0;
    const batch = this.db.prepare('SELECT seq, run_id FROM decision_cards WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 500');
    const done = this.db.prepare('UPDATE card_search_backfill SET done_to = ? WHERE singleton = 1');
    const words = new Map<string, string | null>();
    let indexed = 0;
    for (let from = state.done_to; from < state.legacy_to;) {
      const rows = batch.all(from, state.legacy_to) as { seq: number; run_id: string }[];
      const to = rows.length ? rows[rows.length - 1]!.seq : state.legacy_to;
      this.db.transaction(() => {
        for (const r of rows) {
          if (!r.run_id) continue;
          if (!words.has(r.run_id)) words.set(r.run_id, wordsOf(r.run_id));
          const w = words.get(r.run_id);
          // cards_fts is contentless (no UPDATE): a second row under the same rowid adds these words to
          // the card's entry (FTS5 merges the two; the card's own words stay).
          if (w) this.st.insertFts.run(r.seq, '', '', w.slice(0, 2_000));
          if (w) indexed += 1;
        }
        done.run(to);
      })();
      from = to;
    }
    return indexed;
  }

  insertMany(cards: DecisionCard[]): void {
    this.db.transaction(() => {
      let last = (this.st.lastCreated.get() as string | undefined) ?? '';
      for (const c of cards) {
        check(c);
        const card = c.createdAt < last ? { ...c, createdAt: last } : c;
        last = card.createdAt;
        this.write(card);
      }
    })();
  }

  appendApproval(cardId: string, a: Parameters<CardStore['appendApproval']>[1], actor: string): DecisionCard {
    return this.db.transaction(() => {
      const r = this.getRow(cardId);
      const payload = { state: a.state, by: a.by, at: a.at, comment: a.comment, ...(a.via ? { via: a.via } : {}) };
      const entry = this.deps.audit.append({ actor, action: 'card.approval', subject: cardId, payload });
      this.st.insertApproval.run(
        r.seq,
        a.state,
        a.by,
        a.at,
        a.comment,
        entry.hash,
        a.via?.device ?? null,
        a.via?.certVersion ?? null,
        a.via?.approvalId ?? null,
      );
      const card = this.get(cardId);
      this.deps.onChange?.(card);
      return card;
    })();
  }

  approvals(id: string): Approval[] {
    return (this.st.approvalsOf.all(this.getRow(id).seq) as ApprovalRow[]).map(approvalOf);
  }

  stats(days = 30): CardStats {
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new ApiError('VALIDATION_ERROR', 'days must be an integer in 1..366');
    const n = this.deps.clock.now();
    const today = Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate());
    const first = new Date(today - (days - 1) * 86_400_000).toISOString();
    const seqFrom = (this.st.seqAtOrAfter.get(first) as number | undefined) ?? null;
    const byDay = new Map<string, { day: string; GREEN: number; YELLOW: number; RED: number }>();
    for (let i = 0; i < days; i++) {
      const day = new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
      byDay.set(day, { day, GREEN: 0, YELLOW: 0, RED: 0 });
    }
    if (seqFrom === null) return { days: [...byDay.values()], failedInvariants: [] };
    for (const r of this.st.statsDays.all(first) as { day: string; lane: Lane; n: number }[]) {
      const d = byDay.get(r.day);
      if (d) d[r.lane] += r.n;
    }
    const failedInvariants = this.st.statsInv.all(seqFrom) as { id: string; count: number }[];
    return { days: [...byDay.values()], failedInvariants };
  }

  list(query: CardListQuery): CardListResponse {
    const plan = this.planOf(query);
    if (!plan) return { cards: [], nextCursor: null };
    const { q, sql, params } = plan;
    const rows = this.prepared(sql).all(params) as CardRow[];
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return { cards: page.map((r) => this.hydrate(r)), nextCursor: more && last ? encodeCursor(q.sort, last) : null };
  }

  explain(query: CardListQuery): { driver: Driver; sql: string; plan: string[] } {
    const plan = this.planOf(query);
    if (!plan) return { driver: 'range', sql: '', plan: ['empty date range: no query'] };
    const lines = (this.db.prepare(`EXPLAIN QUERY PLAN ${plan.sql}`).all(plan.params) as { detail: string }[]).map((r) => r.detail);
    return { driver: plan.driver, sql: plan.sql, plan: lines };
  }

  forRun(runId: string): DecisionCard[] {
    return (this.st.forRun.all(runId) as CardRow[]).map((r) => this.hydrate(r));
  }

  count(): number {
    return this.st.count.get() as number;
  }
}

/** A plain object of the store's functions (callers may spread or pass them around). */
export function createCardStore(deps: CardStoreDeps): CardStore {
  const s = new SqliteCardStore(deps);
  return {
    record: (card, actor, opts) => s.record(card, actor, opts),
    backfillRecordWords: (wordsOf) => s.backfillRecordWords(wordsOf),
    insertMany: (cards) => s.insertMany(cards),
    appendApproval: (cardId, a, actor) => s.appendApproval(cardId, a, actor),
    get: (id) => s.get(id),
    approvals: (id) => s.approvals(id),
    list: (q) => s.list(q),
    stats: (days) => s.stats(days),
    forRun: (runId) => s.forRun(runId),
    explain: (q) => s.explain(q),
    count: () => s.count(),
  };
}
