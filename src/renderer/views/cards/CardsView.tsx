import { useEffect, useState, type KeyboardEvent } from 'react';
import { LANES, type CardStatus, type Lane } from '../../../shared/workflow/types';
import { CARD_SORTS, type CardSort } from '../../../shared/workflow/views';
import { onEvent } from '../../api/client';
import { useApp } from '../../store/app-store';
import { useCards } from '../../store/cards-store';
import { canReview, useRuns } from '../../store/runs-store';
import { CardList } from './CardList';
import { CardDetail } from './CardDetail';
import { LaneChart } from './LaneChart';
import { DecisionDialog } from '../runs/DecisionDialog';

const STATUSES: CardStatus[] = ['allowed', 'denied', 'awaiting_approval', 'approved', 'rejected'];
const SORT_LABEL: Record<CardSort, string> = { time: 'Time', cost: 'Cost', uncertainty: 'Uncertainty' };

/** Local date input (YYYY-MM-DD) → ISO at the start (or end) of that day. */
const dayIso = (d: string, end = false): string | undefined => (d ? new Date(`${d}T${end ? '23:59:59.999' : '00:00:00.000'}`).toISOString() : undefined);

/** The reviewer's decision cards: filters, chart, virtualized list, detail, approve / reject; keyboard driven. */
export function CardsView() {
  const { refresh, filters, setFilters, cards, selectedIndex, move, error, stats } = useCards();
  const roles = useApp((s) => s.roles);
  const askDecision = useRuns((s) => s.askDecision);
  const [text, setText] = useState(filters.text ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  useEffect(() => {
    void refresh();
    return onEvent('runs.changed', () => void refresh());
  }, [refresh]);
  useEffect(() => {
    if ((filters.text ?? '') === text) return;
    const t = setTimeout(() => void setFilters({ text: text || undefined }), 300);
    return () => clearTimeout(t);
  }, [text, filters.text, setFilters]);
  const card = selectedIndex >= 0 ? cards[selectedIndex] : undefined;

  function keys(e: KeyboardEvent) {
    if ((e.target as HTMLElement).closest('input, select, textarea, dialog')) return;
    if (e.key === 'ArrowDown' || e.key === 'j') move(1);
    else if (e.key === 'ArrowUp' || e.key === 'k') move(-1);
    else if (e.key === 'PageDown') move(10);
    else if (e.key === 'PageUp') move(-10);
    else if (card && card.runId && card.status === 'awaiting_approval' && canReview(roles) && (e.key === 'a' || e.key === 'r')) {
      askDecision({ runId: card.runId, decision: e.key === 'a' ? 'approve' : 'reject' });
    } else return;
    e.preventDefault();
  }

  return (
    <section aria-label="Decision cards" className="cards-view" onKeyDown={keys} tabIndex={0} data-testid="cards-view">
      <header className="view-head">
        <h2>Decision cards</h2>
        <span className="muted small">↑/↓ or j/k to move{canReview(roles) ? ', a / r to approve or reject' : ''}</span>
        <button type="button" className="secondary" onClick={() => void refresh()}>
          Refresh
        </button>
      </header>
      {stats && <LaneChart stats={stats} />}
      <div className="filters" role="search">
        <label>
          Search
          <input type="search" aria-label="Search cards" value={text} maxLength={200} onChange={(e) => setText(e.target.value)} placeholder="subject, rationale, reasons" />
        </label>
        <label>
          Lane
          <select aria-label="Filter by lane" value={filters.lane ?? ''} onChange={(e) => void setFilters({ lane: (e.target.value || undefined) as Lane | undefined })}>
            <option value="">All</option>
            {LANES.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select aria-label="Filter by status" value={filters.status ?? ''} onChange={(e) => void setFilters({ status: (e.target.value || undefined) as CardStatus | undefined })}>
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Failed invariant
          <select aria-label="Filter by failed invariant" value={filters.failedInvariant ?? ''} onChange={(e) => void setFilters({ failedInvariant: e.target.value || undefined })}>
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
          <input aria-label="Filter by run" value={filters.runId ?? ''} onChange={(e) => void setFilters({ runId: e.target.value.trim() || undefined })} placeholder="run id" />
        </label>
        <label>
          From
          <input type="date" aria-label="From date" value={from} onChange={(e) => (setFrom(e.target.value), void setFilters({ from: dayIso(e.target.value) }))} />
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
      <DecisionDialog onDone={() => void refresh()} />
    </section>
  );
}
