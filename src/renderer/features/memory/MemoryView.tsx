import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useMessageText } from '../../ui/message';
import { onEvent } from '../../api/client';
import { useMemory } from './memory-store';
import { SearchBar } from './SearchBar';
import { HitList } from './HitList';
import { ItemDetail } from './ItemDetail';
import { AddForm } from './AddForm';
import { TierStats } from './TierStats';
import { ModelPanel } from './ModelPanel';
import { DeleteDialog } from './DeleteDialog';

/** Tiered memory and local models: hybrid search, an item's detail (pin, delete), adding, tier stats, model slots. */
export function MemoryView() {
  const { t } = useTranslation('memory');
  const text = useMessageText();
  const { refresh, onChanged, onModelStatus, selected, notice, clearNotice, stats, statsError } = useMemory();
  useEffect(() => {
    void refresh();
    const offModels = onEvent('models.status', onModelStatus);
    const offChanged = onEvent('memory.changed', onChanged);
    return () => {
      offModels();
      offChanged();
    };
  }, [refresh, onModelStatus, onChanged]);

  return (
    <section aria-label={t('view.label')} className="memory-view" data-testid="memory-view">
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        <span className="muted small">{t('view.hint')}</span>
        <button type="button" className="secondary" onClick={() => void refresh()}>
          {t('view.refresh')}
        </button>
      </header>
      {notice && (
        <p className="ok small" role="status" data-testid="memory-notice">
          {text(notice)}{' '}
          <button type="button" className="link small" onClick={clearNotice}>
            {t('view.dismiss')}
          </button>
        </p>
      )}
      <SearchBar />
      <div className="memory-body">
        <HitList />
        {selected ? <ItemDetail item={selected} /> : <div className="card muted small">{t('view.selectHint')}</div>}
      </div>
      <div className="cards memory-cards">
        <ModelPanel />
        <TierStats stats={stats} error={statsError} />
        <AddForm />
      </div>
      <DeleteDialog />
    </section>
  );
}
