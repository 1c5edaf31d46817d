import { useEffect } from 'react';
import { count } from '../../ui/format';
import type { OutboxState } from '../../../shared/api/types';
import { onEvent } from '../../api/client';
import { OUTBOX_STATES, useOutbox } from './outbox-store';
import { SyncPanel } from './SyncPanel';
import { TransfersPanel } from './TransfersPanel';
import { CountsChart } from './CountsChart';
import { OutboxTable } from './OutboxTable';
import { DiscardDialog } from './DiscardDialog';

const ITEMS_REFRESH_MS = 400;

export function OutboxView() {
  const { refresh, refreshItems, applyStatus, filter, setFilter, counts, error } = useOutbox();
  useEffect(() => {
    void refresh();
    // Status events come per batch during a run; item rows are re-read at most every 400 ms.
    let t: ReturnType<typeof setTimeout> | null = null;
    const off = onEvent('sync.status', (s) => {
      applyStatus(s);
      t ??= setTimeout(() => {
        t = null;
        void refreshItems();
      }, ITEMS_REFRESH_MS);
    });
    return () => {
      off();
      if (t) clearTimeout(t);
    };
  }, [refresh, refreshItems, applyStatus]);
  const total = OUTBOX_STATES.reduce((n, s) => n + counts[s], 0);
  return (
    <section aria-label="Outbox" className="outbox">
      <header className="view-head">
        <h2>Outbox</h2>
        <span className="muted">{count(total, 'item')}</span>
      </header>
      <SyncPanel />
      <TransfersPanel />
      <div className="outbox-mid">
        <CountsChart />
        <div className="filters" role="search">
          <label>
            State
            <select aria-label="Filter by state" value={filter} onChange={(e) => setFilter(e.target.value as OutboxState | '')}>
              <option value="">All</option>
              {OUTBOX_STATES.map((s) => (
                <option key={s} value={s}>
                  {s} ({counts[s]})
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="secondary" onClick={() => void refresh()}>
            Refresh
          </button>
        </div>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <OutboxTable />
      <DiscardDialog />
    </section>
  );
}
