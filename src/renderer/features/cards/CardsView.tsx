import { useCallback, useEffect, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../../shared/api/types';
import { onEvent } from '../../api/client';
import { useApp } from '../../app-store';
import { cardList, cardStatsOf, refreshDeviceCards, refreshTenantCards, useCardList, type CardRow } from './cards-store';
import { canReview, useRuns } from '../runs/runs-store';
import { useDecision, type Decision } from '../runs/decision-store';
import { scopeOf, useTeam } from '../team/team-store';
import { canDecideAgain, scopeAttr, type Scope } from '../team/team';
import { CardList } from './CardList';
import { CardDetail } from './CardDetail';
import { CardFiltersBar } from './CardFiltersBar';
import { LaneChart } from './LaneChart';
import { DecisionDialog } from '../runs/DecisionDialog';
import { ScopeSwitch } from '../team/ScopeSwitch';
import { TeamToolbar } from '../team/Freshness';
import { useApprover, useRefreshOn } from '../team/hooks';
import { subjectText } from './system-words';
import { coalesce } from '../../ui/coalesce';

const refreshTenant = () => void refreshTenantCards();
const refreshScope = (scope: Scope | null) => (scope === 'tenant' ? refreshTenant() : void refreshDeviceCards());

/** Loads the list a scope shows and keeps it current: 'runs.changed' for this device's, pulls for the tenant's. */
function useCardsRefresh(scope: Scope | null): void {
  const refreshStatus = useTeam((s) => s.refreshStatus);
  const refreshPeers = useTeam((s) => s.refreshPeers);
  useEffect(() => {
    void refreshStatus();
  }, [refreshStatus]);
  useEffect(() => {
    if (scope !== 'device') return;
    void refreshDeviceCards();
    const again = coalesce(refreshDeviceCards);
    const off = onEvent('runs.changed', again);
    return () => {
      off();
      again.cancel();
    };
  }, [scope]);
  useEffect(() => {
    if (scope !== 'tenant') return;
    refreshTenant();
    void refreshPeers();
  }, [scope, refreshPeers]);
  const onTeamChange = useCallback(() => {
    if (scopeOf(useTeam.getState(), 'cards') === 'tenant') refreshTenant();
  }, []);
  useRefreshOn(onTeamChange);
}

/** a / r on the selected card: this device's through runs.decide, another device's with scope 'tenant'. */
function decisionKey(row: CardRow, decision: Decision, roles: Role[], approverCan: boolean): boolean {
  const { card, team } = row;
  if (!card.runId || card.status !== 'awaiting_approval') return false;
  const ask = useDecision.getState().ask;
  const subject = subjectText(card, useRuns.getState().workflows);
  if (team && !team.local) {
    if (!approverCan || !canDecideAgain(team.decision)) return false;
    ask({ scope: 'tenant', device: team.device, user: team.user, runId: card.runId, cardId: card.id, subject, decision });
  } else if (canReview(roles)) ask({ scope: 'device', runId: card.runId, cardId: card.id, subject, decision });
  else return false;
  return true;
}

const VIEW = 'cards';
const MOVES: Record<string, number> = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, PageDown: 10, PageUp: -10 };

/**
 * The reviewer's decision cards: filters, chart, virtualized list, detail, approve / reject; keyboard
 * driven. "All devices" (team sync, the default on an enrolled device) lists every device's cards
 * with device, user and sync freshness; "This device" its own.
 */
export function CardsView() {
  const { t } = useTranslation('cards');
  const scope = useTeam((s) => scopeOf(s, 'cards'));
  const roles = useApp((s) => s.roles);
  const approver = useApprover();
  useCardsRefresh(scope);

  function keys(e: KeyboardEvent) {
    if (!scope || (e.target as HTMLElement).closest('input, select, textarea, dialog')) return;
    const list = cardList(scope).getState();
    const row = list.items[list.selectedIndex];
    if (MOVES[e.key] !== undefined) list.move(MOVES[e.key]!);
    else if (!(row && (e.key === 'a' || e.key === 'r') && decisionKey(row, e.key === 'a' ? 'approve' : 'reject', roles, approver.can))) return;
    e.preventDefault();
  }

  return (
    <section aria-label={t('view.label')} className="cards-view" onKeyDown={keys} tabIndex={0} data-testid="cards-view" data-scope={scopeAttr(scope)}>
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        <ScopeSwitch view={VIEW} />
        <span className="muted small">{t(canReview(roles) || approver.can ? 'view.keysDecide' : 'view.keys')}</span>
        <button type="button" className="secondary" onClick={() => refreshScope(scope)}>
          {t('view.refresh')}
        </button>
      </header>
      {scope && <ScopedCards key={scope} scope={scope} />}
      {scope === null && <p className="muted">{t('view.loading')}</p>}
      <DecisionDialog />
    </section>
  );
}

/** A scope's cards: the tenant's freshness and Pull now, or this device's chart; filters, list, detail. */
function ScopedCards({ scope }: { scope: Scope }) {
  const { t } = useTranslation('cards');
  const tenant = scope === 'tenant';
  const { items, selectedIndex, error, asOf } = useCardList(scope);
  const stats = cardStatsOf(scope)((s) => s.stats);
  const row = items[selectedIndex];
  return (
    <>
      {tenant && <TeamToolbar noun={t('view.teamNoun')} asOf={asOf} onPulled={refreshTenant} />}
      {/* The same chart, filters and sort in both scopes. */}
      {stats && <LaneChart stats={stats} />}
      <CardFiltersBar scope={scope} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className={tenant ? 'cards-body team-cards-body' : 'cards-body'}>
        <CardList scope={scope} />
        {row ? <CardDetail card={row.card} team={row.team ?? undefined} /> : <div className="card muted small">{t('view.select')}</div>}
      </div>
    </>
  );
}
