// What reviewers read: this device's runs and cards merged with those pulled from other devices,
// newest first by (time, device, id) with one keyset cursor over both; pulled records; refusals.
import { ApiError } from '../../../shared/errors';
import type { TeamCardQuery, TeamCardView, TeamPage, TeamRecordView, TeamRefusal, TeamRunQuery, TeamRunView } from '../../../shared/team/views';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { RunSummary } from '../../../shared/workflow/views';
import type { DecisionContext } from '../../../shared/workflow/decision-context';
import type { TeamCore } from './core';
import { cursorValue, decodeCardKeyset, encodeCardKeyset, mergeOrdered, pulledKeySql, sortOf, type OrderedRow } from './card-order';
import type { TeamKeyset } from './ports';

type Keyed = { created_at: string; device: string; id: string };
type Me = { device: string; user: string };
type CardRow = Keyed & { user: string; body: string | null; received_at: string; local: number };
type RunRow = Keyed & { user: string; body: string | null; awaiting_card: string | null; received_at: string; local: number };

/** Keyset cursor of the merged team lists: (time, device, id) of the last row of a page. */
const encodeKeyset = (r: Keyed): string => Buffer.from(JSON.stringify([r.created_at, r.device, r.id])).toString('base64url');

function decodeKeyset(before: string | undefined): TeamKeyset | null {
  if (!before) return null;
  const k = cursorValue(before);
  if (!Array.isArray(k) || k.length !== 3 || !k.every((x) => typeof x === 'string')) {
    throw new ApiError('VALIDATION_ERROR', '`before` is not a cursor this list returned', { reason: 'cursor' });
  }
  return k as TeamKeyset;
}

const desc = (a: string, b: string): number => (a === b ? 0 : a < b ? 1 : -1);

/** Two lists, each newest first by (time, device, id), merged: the first `n` of both. */
function mergeNewest<T extends Keyed>(a: T[], b: T[], n: number): T[] {
  return [...a, ...b].sort((x, y) => desc(x.created_at, y.created_at) || desc(x.device, y.device) || desc(x.id, y.id)).slice(0, n);
}

const keysetParams = (k: TeamKeyset | null) => ({ bTime: k?.[0] ?? null, bDevice: k?.[1] ?? null, bId: k?.[2] ?? null });

export class TeamViews {
  constructor(private readonly core: TeamCore) {}

  decisionFor(cardId: string): TeamCardView['decision'] {
    const r = this.core.d.db.prepare('SELECT state, decision, at, message FROM team_decisions WHERE card_id = ? ORDER BY updated_at DESC LIMIT 1').get(cardId);
    return (r as NonNullable<TeamCardView['decision']> | undefined) ?? null;
  }

  private me(): Me {
    const cfg = this.core.config();
    const p = this.core.d.profile.get();
    return { device: cfg?.deviceId ?? p?.deviceId ?? 'this-device', user: cfg?.user ?? p?.name ?? '' };
  }

  private page<T>(items: T[], rows: Keyed[], limit: number): TeamPage<T> {
    const last = rows[Math.min(rows.length, limit) - 1];
    return { items, nextBefore: rows.length > limit && last ? encodeKeyset(last) : null, asOf: this.core.stateRow().last_pull_at };
  }

  cards(q: TeamCardQuery): TeamPage<TeamCardView> {
    const limit = q.limit ?? 100;
    const me = this.me();
    const sort = sortOf(q.sort);
    const dir = q.dir ?? 'desc';
    const before = decodeCardKeyset(q.before, sort, dir);
    const text = q.q?.trim() ? `%${q.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const filter = {
      status: q.status ?? null,
      lane: q.lane ?? null,
      run: q.runId ?? null,
      inv: q.failedInvariant || null,
      from: q.from ?? null,
      to: q.to ?? null,
    };
    const keyset = { bKey: before?.[2] ?? null, bDevice: before?.[3] ?? null, bId: before?.[4] ?? null };
    // Pulled cards and this device's own, each in (key, device, id) order, merged: one keyset over both.
    const key = pulledKeySql(sort);
    const op = dir === 'asc' ? '>' : '<';
    const order = dir === 'asc' ? 'ASC' : 'DESC';
    const pulled = this.core.d.db
      .prepare(
        `SELECT device, card_id AS id, user, created_at, body, received_at, 0 AS local, ${key} AS k FROM team_cards
         WHERE (:status IS NULL OR status = :status) AND (:lane IS NULL OR lane = :lane) AND (:run IS NULL OR run_id = :run)
           AND (:device IS NULL OR device = :device)
           AND (:text IS NULL OR body LIKE :text ESCAPE '\\' OR EXISTS (
             SELECT 1 FROM team_runs r WHERE r.device = team_cards.device AND r.run_id = team_cards.run_id
               AND (json_extract(r.context, '$.search') LIKE :text ESCAPE '\\' OR json_extract(r.body, '$.title') LIKE :text ESCAPE '\\')))
           AND (:from IS NULL OR created_at >= :from) AND (:to IS NULL OR created_at <= :to)
           AND (:inv IS NULL OR EXISTS (SELECT 1 FROM json_each(team_cards.body, '$.invariants') i
                                        WHERE json_extract(i.value, '$.id') = :inv AND json_extract(i.value, '$.pass') = 0))
           AND (:bKey IS NULL OR (${key}, device, card_id) ${op} (:bKey, :bDevice, :bId))
         ORDER BY k ${order}, device ${order}, card_id ${order} LIMIT :limit`,
      )
      .all({ ...filter, device: q.device ?? null, text, ...keyset, limit: limit + 1 }) as (CardRow & OrderedRow)[];
    const local: (CardRow & OrderedRow)[] =
      q.device == null || q.device === me.device
        ? this.core.d.cardQueries
            .page({
              status: filter.status,
              lane: filter.lane,
              runId: filter.run,
              text,
              words: q.q?.trim() || null,
              me: me.device,
              failedInvariant: filter.inv,
              from: filter.from,
              to: filter.to,
              sort,
              dir,
              after: before ? [before[2], before[3], before[4]] : null,
              limit: limit + 1,
            })
            .map((r) => ({ device: me.device, id: r.id, user: '', created_at: r.created_at, body: null, received_at: r.created_at, local: 1, k: r.k }))
        : [];
    const rows = mergeOrdered(pulled, local, dir, limit + 1);
    const items: TeamCardView[] = [];
    for (const r of rows.slice(0, limit)) {
      const card = r.local ? this.core.d.cards.get(r.id) : (JSON.parse(r.body!) as DecisionCard);
      if (r.local && q.status && card.status !== q.status) continue;
      items.push({
        device: r.device,
        user: r.local ? me.user : r.user,
        local: r.local === 1,
        card,
        receivedAt: r.received_at,
        decision: this.decisionFor(r.id),
      });
    }
    const last = rows[Math.min(rows.length, limit) - 1];
    return { items, nextBefore: rows.length > limit && last ? encodeCardKeyset(sort, dir, last) : null, asOf: this.core.stateRow().last_pull_at };
  }

  runsPage(q: TeamRunQuery): TeamPage<TeamRunView> {
    const limit = q.limit ?? 100;
    const me = this.me();
    const before = decodeKeyset(q.before);
    const pulled = this.core.d.db
      .prepare(
        `SELECT device, run_id AS id, user, created_at, body, awaiting_card, received_at, 0 AS local FROM team_runs
         WHERE (:status IS NULL OR status = :status) AND (:device IS NULL OR device = :device)
           AND (:bTime IS NULL OR (created_at, device, run_id) < (:bTime, :bDevice, :bId))
         ORDER BY created_at DESC, device DESC, run_id DESC LIMIT :limit`,
      )
      .all({ status: q.status ?? null, device: q.device ?? null, ...keysetParams(before), limit: limit + 1 }) as RunRow[];
    const local: RunRow[] =
      q.device == null || q.device === me.device
        ? this.core.d.runQueries.page({ status: q.status ?? null, me: me.device, before, limit: limit + 1 }).map((r) => ({
            device: me.device,
            id: r.id,
            user: '',
            created_at: r.created_at,
            body: null,
            awaiting_card: r.awaiting_card,
            received_at: r.updated_at,
            local: 1,
          }))
        : [];
    const rows = mergeNewest(pulled, local, limit + 1);
    return this.page(
      rows.slice(0, limit).map((r) => this.runView(r, me)),
      rows,
      limit,
    );
  }

  private runView(r: Omit<RunRow, 'created_at'>, me: Me): TeamRunView {
    const run = r.local ? this.core.d.runs.summary(r.id) : (JSON.parse(r.body!) as RunSummary);
    const awaitingCard = run.status === 'awaiting_approval' ? r.awaiting_card : null;
    return {
      device: r.device,
      user: r.local ? me.user : r.user,
      local: r.local === 1,
      run,
      awaitingCard,
      receivedAt: r.received_at,
      decision: awaitingCard ? this.decisionFor(awaitingCard) : this.lastDecisionForRun(r.device, r.id),
    };
  }

  private lastDecisionForRun(device: string, runId: string): TeamCardView['decision'] {
    const r = this.core.d.db
      .prepare('SELECT card_id FROM team_decisions WHERE device = ? AND run_id = ? ORDER BY updated_at DESC LIMIT 1')
      .pluck()
      .get(device, runId) as string | undefined;
    return r ? this.decisionFor(r) : null;
  }

  run(device: string, runId: string): { run: TeamRunView; cards: TeamCardView[] } {
    const me = this.me();
    if (device === me.device) return this.localRun(runId, me);
    const db = this.core.d.db;
    const r = db
      .prepare('SELECT device, run_id AS id, user, body, awaiting_card, received_at FROM team_runs WHERE device = ? AND run_id = ?')
      .get(device, runId) as { device: string; id: string; user: string; body: string; awaiting_card: string | null; received_at: string } | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No run ${runId} from device ${device} has reached this device`, { reason: 'remote_run' });
    const cards = (
      db.prepare('SELECT card_id, user, body, received_at FROM team_cards WHERE device = ? AND run_id = ? ORDER BY created_at, card_id').all(device, runId) as {
        card_id: string;
        user: string;
        body: string;
        received_at: string;
      }[]
    ).map((c) => ({
      device,
      user: c.user,
      local: false,
      card: JSON.parse(c.body) as DecisionCard,
      receivedAt: c.received_at,
      decision: this.decisionFor(c.card_id),
    }));
    return { run: this.runView({ ...r, local: 0 }, me), cards };
  }

  private localRun(runId: string, me: Me): { run: TeamRunView; cards: TeamCardView[] } {
    const device = me.device;
    const r = this.core.d.runQueries.state(runId);
    if (!r) throw new ApiError('NOT_FOUND', `No run ${runId} on this device`, { reason: 'run' });
    const cards = this.core.d.cards.forRun(runId).map((card) => ({
      device,
      user: me.user,
      local: true,
      card,
      receivedAt: card.createdAt,
      decision: this.decisionFor(card.id),
    }));
    return {
      run: this.runView({ device, id: r.id, user: me.user, body: null, awaiting_card: r.awaitingCard, received_at: r.updatedAt, local: 1 }, me),
      cards,
    };
  }

  /**
   * What a reviewer decides on for a run: this device's computed now; another device's as it shared it
   * (null when that device shared the run before snapshots carried it). NOT_FOUND: no such run here.
   */
  runContext(device: string, runId: string): DecisionContext | null {
    if (device === this.me().device) {
      if (!this.core.d.runQueries.state(runId)) throw new ApiError('NOT_FOUND', `No run ${runId} on this device`, { reason: 'run' });
      return this.core.d.runs.context(runId);
    }
    const r = this.core.d.db.prepare('SELECT context FROM team_runs WHERE device = ? AND run_id = ?').get(device, runId) as
      { context: string | null } | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No run ${runId} from device ${device} has reached this device`, { reason: 'remote_run' });
    return r.context ? (JSON.parse(r.context) as DecisionContext) : null;
  }

  /** The sealed manifest of another device's chunked attachment (null: none such pulled). */
  attachmentManifest(device: string, hashHex: string): Record<string, unknown> | null {
    const body = this.core.d.db
      .prepare("SELECT body FROM team_records WHERE device = ? AND item_id = ? AND kind = 'attachment'")
      .pluck()
      .get(device, hashHex) as string | undefined;
    return body ? (JSON.parse(body) as Record<string, unknown>) : null;
  }

  records(q: { device?: string; limit?: number; before?: string }): TeamPage<TeamRecordView> {
    const limit = q.limit ?? 100;
    const before = q.before ? Number(Buffer.from(q.before, 'base64url').toString('utf8')) : null;
    const rows = this.core.d.db
      .prepare(
        `SELECT device, item_id, user, kind, contract, created_at, body, seq, received_at FROM team_records
         WHERE (:device IS NULL OR device = :device) AND (:before IS NULL OR seq < :before) ORDER BY seq DESC LIMIT :limit`,
      )
      .all({ device: q.device ?? null, before, limit: limit + 1 }) as {
      device: string;
      item_id: string;
      user: string;
      kind: 'record' | 'attachment';
      contract: string;
      created_at: string;
      body: string;
      seq: number;
      received_at: string;
    }[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        device: r.device,
        user: r.user,
        kind: r.kind,
        id: r.item_id,
        contract: r.contract,
        createdAt: r.created_at,
        receivedAt: r.received_at,
        data: JSON.parse(r.body) as unknown,
      })),
      nextBefore: rows.length > limit && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
      asOf: this.core.stateRow().last_pull_at,
    };
  }

  refusals(limit = 100): TeamRefusal[] {
    return (
      this.core.d.db.prepare('SELECT id, at, seq, kind, from_device, subject, code, message FROM team_refusals ORDER BY id DESC LIMIT ?').all(limit) as {
        id: number;
        at: string;
        seq: number | null;
        kind: TeamRefusal['kind'];
        from_device: string | null;
        subject: string | null;
        code: string;
        message: string;
      }[]
    ).map((r) => ({ id: r.id, at: r.at, seq: r.seq, kind: r.kind, from: r.from_device, subject: r.subject, code: r.code, message: r.message }));
  }
}
