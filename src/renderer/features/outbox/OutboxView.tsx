import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
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
  const { t } = useTranslation('outbox');
  const { refresh, refreshItems, applyStatus, filter, setFilter, counts, error } = useOutbox();
  useEffect(() => {
    void refresh();
    // Status events come per batch during a run; item rows are re-read at most every 400 ms.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = onEvent('sync.status', (s) => {
      applyStatus(s);
      timer ??= setTimeout(() => {
        timer = null;
        void refreshItems();
      }, ITEMS_REFRESH_MS);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [refresh, refreshItems, applyStatus]);
  const total = OUTBOX_STATES.reduce((n, s) => n + counts[s], 0);
  return (
    <section aria-label={t('view.label')} className="outbox">
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        <span className="muted">{t('view.total', { n: total })}</span>
      </header>
      <SyncPanel />
      <TransfersPanel />
      <div className="outbox-mid">
        <CountsChart />
        <div className="filters" role="search">
          <label>
            {t('view.state')}
            <select aria-label={t('view.filter')} value={filter} onChange={(e) => setFilter(e.target.value as OutboxState | '')}>
              <option value="">{t('view.all')}</option>
              {OUTBOX_STATES.map((s) => (
                <option key={s} value={s}>
                  {t('view.option', { state: s, n: counts[s] })}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="secondary" onClick={() => void refresh()}>
            {t('view.refresh')}
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
