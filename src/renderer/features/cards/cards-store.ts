// Decision cards for reviewers, one paged list per scope: this device's cards (server-side filters and
// sort, the per-lane chart) or every device's of the tenant (device, user, a decision sent from here,
// sync freshness; the selection kept across reloads as pulls arrive). The list renders only what is
// on screen; the keyboard moves the selection.
import { create } from 'zustand';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { CardListQuery, CardStats } from '../../../shared/workflow/views';
import type { TeamCardView } from '../../../shared/team/views';
import { call } from '../../api/client';
import { createPagedList, usePagedList, type Page, type PagedList, type PagedListStore } from '../../ui/paged-list';
import { cardKey, cleanQuery, inScope, type Scope } from '../team/team';

const CARD_PAGE = 200;

/** A card row: the card, and for the tenant list who recorded it and a decision sent from here. */
export interface CardRow {
  card: DecisionCard;
  team: TeamCardView | null;
}

/** Every filter either list knows: both take the same ones; the tenant's adds the device. */
export type CardFilters = Omit<CardListQuery, 'limit' | 'cursor'> & { device?: string };

export const cardRowKey = (r: CardRow): string => (r.team ? cardKey(r.team) : r.card.id);

/** Scope → request: this device's cards or the tenant's, both through cards.list. */
async function fetchCards(scope: Scope, f: CardFilters, limit: number, cursor: string | null): Promise<Page<CardRow>> {
  if (scope === 'tenant') {
    // The same filters and sort as this device's list, plus the device.
    const q = {
      status: f.status,
      lane: f.lane,
      device: f.device,
      q: f.text,
      runId: f.runId,
      failedInvariant: f.failedInvariant,
      from: f.from,
      to: f.to,
      sort: f.sort,
      dir: f.dir,
    };
    const res = inScope(await call('cards.list', { scope, ...cleanQuery(q), limit, ...(cursor ? { before: cursor } : {}) }), 'tenant');
    return { items: res.items.map((t) => ({ card: t.card, team: t })), next: res.nextBefore, asOf: res.asOf };
  }
  const local = Object.fromEntries(Object.entries(f).filter(([k, v]) => k !== 'device' && v !== undefined && v !== '')) as CardFilters;
  const res = inScope(await call('cards.list', { ...local, limit, ...(cursor ? { cursor } : {}) }), 'device');
  return { items: res.cards.map((card) => ({ card, team: null })), next: res.nextCursor, asOf: null };
}

const cardLists: Record<Scope, PagedListStore<CardRow, CardFilters>> = {
  device: createPagedList<CardRow, CardFilters>({
    filters: { sort: 'time', dir: 'desc' },
    fetch: (f, limit, cursor) => fetchCards('device', f, limit, cursor),
    keyOf: cardRowKey,
    pageSize: CARD_PAGE,
    maxRows: 100_000,
  }),
  tenant: createPagedList<CardRow, CardFilters>({
    filters: { sort: 'time', dir: 'desc' },
    fetch: (f, limit, cursor) => fetchCards('tenant', f, limit, cursor),
    keyOf: cardRowKey,
    pageSize: CARD_PAGE,
    maxReload: 500,
    maxRows: 100_000,
    keepSelection: true,
    clearOnFilter: true,
  }),
};

/** The card list of a scope (state and actions outside React). */
export const cardList = (scope: Scope): PagedListStore<CardRow, CardFilters> => cardLists[scope];

/** The card list of a scope, as a hook. */
export function useCardList(scope: Scope): PagedList<CardRow, CardFilters>;
export function useCardList<U>(scope: Scope, pick: (s: PagedList<CardRow, CardFilters>) => U): U;
export function useCardList<U>(scope: Scope, pick?: (s: PagedList<CardRow, CardFilters>) => U): U | PagedList<CardRow, CardFilters> {
  return pick ? usePagedList(cardLists[scope], pick) : usePagedList(cardLists[scope]);
}

type StatsStore = { stats: CardStats | null; refresh(): Promise<void> };
const statsStore = (scope: Scope) =>
  create<StatsStore>((set) => ({
    stats: null,
    refresh: () =>
      call('cards.stats', { days: 30, ...(scope === 'tenant' ? { scope } : {}) }).then(
        (stats) => set({ stats }),
        () => undefined,
      ),
  }));
const cardStats: Record<Scope, ReturnType<typeof statsStore>> = { device: statsStore('device'), tenant: statsStore('tenant') };

/** A scope's cards per lane per day (the chart) and the failed invariants (a filter's choices). */
export const cardStatsOf = (scope: Scope) => cardStats[scope];

/** Reloads this device's cards and their chart. */
export const refreshDeviceCards = async (): Promise<void> => {
  await Promise.all([cardLists.device.getState().refresh(), cardStats.device.getState().refresh()]);
};

/** Reloads the tenant's cards and their chart. */
export const refreshTenantCards = async (): Promise<void> => {
  await Promise.all([cardLists.tenant.getState().refresh(), cardStats.tenant.getState().refresh()]);
};
