import { useCallback, useEffect, useState, type KeyboardEvent } from 'react';
import { CARD_SORTS, type CardSort } from '../../../shared/workflow/views';
import { onEvent } from '../../api/client';
import { useApp } from '../../app-store';
import { useCards } from './cards-store';
import { canReview, useRuns } from '../runs/runs-store';
import { scopeOf, useTeam } from '../team/team-store';
import { useTeamCards } from '../team/team-cards-store';
import { canDecideAgain } from '../team/team';
import { CardList } from './CardList';
import { CardDetail } from './CardDetail';
import { LaneChart } from './LaneChart';
import { LaneStatusFilters } from './LaneStatusFilters';
import { DecisionDialog } from '../runs/DecisionDialog';
import { ScopeSwitch } from '../team/ScopeSwitch';
import { TeamToolbar } from '../team/Freshness';
import { TeamCardFilters } from '../team/TeamCardFilters';
import { TeamCardList } from '../team/TeamCardList';
import { TeamDecisionDialog } from '../team/TeamDecisionDialog';
import { useApprover, useRefreshOn } from '../team/hooks';

const SORT_LABEL: Record<CardSort, string> = { time: 'Time', cost: 'Cost', uncertainty: 'Uncertainty' };

/** Local date input (YYYY-MM-DD) → ISO at the start (or end) of that day. */
const dayIso = (d: string, end = false): string | undefined => (d ? new Date(`${d}T${end ? '23:59:59.999' : '00:00:00.000'}`).toISOString() : undefined);

/**
 * The reviewer's decision cards: filters, chart, virtualized list, detail, approve / reject; keyboard
 * driven. "All devices" (team sync, the default on an enrolled device) lists every device's cards
 * with device, user and sync freshness; "This device" its own.
 */
export function CardsView() {
  const scope = useTeam((s) => scopeOf(s, 'cards'));
  const refreshStatus = useTeam((s) => s.refreshStatus);
  const refreshPeers = useTeam((s) => s.refreshPeers);
  const askDecide = useTeam((s) => s.askDecide);
  const local = useCards();
  const team = useTeamCards();
  const roles = useApp((s) => s.roles);
  const approver = useApprover();
  const askDecision = useRuns((s) => s.askDecision);
  useEffect(() => {
    void refreshStatus();
  }, [refreshStatus]);

  const refreshLocal = local.refresh;
  const refreshTeam = team.refresh;
  useEffect(() => {
    if (scope !== 'local') return;
    void refreshLocal();
    return onEvent('runs.changed', () => void refreshLocal());
  }, [scope, refreshLocal]);
  useEffect(() => {
    if (scope !== 'all') return;
    void refreshTeam();
    void refreshPeers();
  }, [scope, refreshTeam, refreshPeers]);
  const onTeamChange = useCallback(() => {
    if (scopeOf(useTeam.getState(), 'cards') === 'all') void useTeamCards.getState().refresh();
  }, []);
  useRefreshOn(onTeamChange);
  const refresh = useCallback(() => {
    void (scope === 'all' ? refreshTeam() : refreshLocal());
  }, [scope, refreshTeam, refreshLocal]);

  const selected = scope === 'all' ? team.items[team.selectedIndex] : undefined;
  const card = scope === 'all' ? selected?.card : local.selectedIndex >= 0 ? local.cards[local.selectedIndex] : undefined;
  const move = scope === 'all' ? team.move : local.move;

  function keys(e: KeyboardEvent) {
    if ((e.target as HTMLElement).closest('input, select, textarea, dialog')) return;
    if (e.key === 'ArrowDown' || e.key === 'j') move(1);
    else if (e.key === 'ArrowUp' || e.key === 'k') move(-1);
    else if (e.key === 'PageDown') move(10);
    else if (e.key === 'PageUp') move(-10);
    else if (card && card.runId && card.status === 'awaiting_approval' && (e.key === 'a' || e.key === 'r')) {
      const decision = e.key === 'a' ? 'approve' : 'reject';
      if (selected && !selected.local) {
        if (!approver.can || !canDecideAgain(selected.decision)) return;
        askDecide({ device: selected.device, user: selected.user, runId: card.runId, cardId: card.id, subject: card.subject, decision });
      } else if (canReview(roles)) askDecision({ runId: card.runId, decision });
      else return;
    } else return;
    e.preventDefault();
  }

  return (
    <section aria-label="Decision cards" className="cards-view" onKeyDown={keys} tabIndex={0} data-testid="cards-view" data-scope={scope ?? ''}>
      <header className="view-head">
        <h2>Decision cards</h2>
        <ScopeSwitch view="cards" />
        <span className="muted small">↑/↓ or j/k to move{canReview(roles) || approver.can ? ', a / r to approve or reject' : ''}</span>
        <button type="button" className="secondary" onClick={refresh}>
          Refresh
        </button>
      </header>
      {scope === 'all' && (
        <>
          <TeamToolbar noun="Cards" asOf={team.asOf} onPulled={() => void refreshTeam()} />
          <TeamCardFilters />
          {team.error && (
            <p className="error" role="alert">
              {team.error}
            </p>
          )}
          <div className="cards-body team-cards-body">
            <TeamCardList />
            {selected ? <CardDetail card={selected.card} team={selected} /> : <div className="card muted small">Select a card.</div>}
          </div>
        </>
      )}
      {scope === 'local' && <LocalCards />}
      {scope === null && <p className="muted">Loading…</p>}
      <DecisionDialog
        onDone={() => {
          void refreshLocal();
          if (scope === 'all') void refreshTeam();
        }}
      />
      <TeamDecisionDialog onDone={() => void refreshTeam()} />
    </section>
  );
}

/** This device's cards: chart, the full filter set (sort, dates, failed invariant), list, detail. */
function LocalCards() {
  const { filters, setFilters, cards, selectedIndex, error, stats } = useCards();
  const [text, setText] = useState(filters.text ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  useEffect(() => {
    if ((filters.text ?? '') === text) return;
    const t = setTimeout(() => void setFilters({ text: text || undefined }), 300);
    return () => clearTimeout(t);
  }, [text, filters.text, setFilters]);
  const card = selectedIndex >= 0 ? cards[selectedIndex] : undefined;
  return (
    <>
      {stats && <LaneChart stats={stats} />}
      <div className="filters" role="search">
        <label>
          Search
          <input
            type="search"
            aria-label="Search cards"
            value={text}
            maxLength={200}
            onChange={(e) => setText(e.target.value)}
            placeholder="subject, rationale, reasons"
          />
        </label>
        <LaneStatusFilters lane={filters.lane} status={filters.status} onChange={(f) => void setFilters(f)} />
        <label>
          Failed invariant
          <select
            aria-label="Filter by failed invariant"
            value={filters.failedInvariant ?? ''}
            onChange={(e) => void setFilters({ failedInvariant: e.target.value || undefined })}
          >
            <option value="">Any</option>
            {(stats?.failedInvariants ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                {f.id} ({f.count})
              </option>
            ))}
          </select>
        </label>
        <label>
          Run
          <input
            aria-label="Filter by run"
            value={filters.runId ?? ''}
            onChange={(e) => void setFilters({ runId: e.target.value.trim() || undefined })}
            placeholder="run id"
          />
        </label>
        <label>
          From
          <input
            type="date"
            aria-label="From date"
            value={from}
            onChange={(e) => (setFrom(e.target.value), void setFilters({ from: dayIso(e.target.value) }))}
          />
        </label>
        <label>
          To
          <input type="date" aria-label="To date" value={to} onChange={(e) => (setTo(e.target.value), void setFilters({ to: dayIso(e.target.value, true) }))} />
        </label>
        <label>
          Sort by
          <select aria-label="Sort cards by" value={filters.sort ?? 'time'} onChange={(e) => void setFilters({ sort: e.target.value as CardSort })}>
            {CARD_SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Order
          <select aria-label="Card order" value={filters.dir ?? 'desc'} onChange={(e) => void setFilters({ dir: e.target.value as 'asc' | 'desc' })}>
            <option value="desc">Descending</option>
            <option value="asc">Ascending</option>
          </select>
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="cards-body">
        <CardList />
        {card ? <CardDetail card={card} /> : <div className="card muted small">Select a card.</div>}
      </div>
    </>
  );
}
