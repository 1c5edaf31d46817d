import { useTranslation } from 'react-i18next';
import { MEMORY_TIERS, type MemoryTier } from '../../../shared/memory/types';
import { MAX_QUERY } from './memory';
import { useMemory } from './memory-store';

/** The query (sent as it is typed, after a pause) and its filters: tiers, locale, a date range. */
export function SearchBar() {
  const { t } = useTranslation('memory');
  const { filters, setFilters, problem, searching, searched, hits } = useMemory();
  const toggle = (tier: MemoryTier, on: boolean) => setFilters({ tiers: on ? [...filters.tiers, tier] : filters.tiers.filter((x) => x !== tier) });
  return (
    <div className="memory-search stack">
      <div className="filters" role="search" aria-label={t('search.label')}>
        <label className="memory-query">
          {t('search.search')}
          <input
            type="search"
            aria-label={t('search.box')}
            value={filters.text}
            maxLength={MAX_QUERY}
            onChange={(e) => setFilters({ text: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void useMemory.getState().search();
            }}
            placeholder={t('search.placeholder')}
          />
        </label>
        <fieldset className="plain tier-checks">
          <legend className="small muted">{t('search.tiers')}</legend>
          {MEMORY_TIERS.map((tier) => (
            <label key={tier} className="check">
              <input type="checkbox" checked={filters.tiers.includes(tier)} onChange={(e) => toggle(tier, e.target.checked)} />
              {t(`tier.${tier}`)}
            </label>
          ))}
        </fieldset>
        <label>
          {t('search.locale')}
          <input
            aria-label={t('search.locale')}
            className="memory-locale"
            value={filters.locale}
            maxLength={35}
            aria-invalid={problem === 'locale' || undefined}
            onChange={(e) => setFilters({ locale: e.target.value })}
            placeholder={t('search.localePlaceholder')}
          />
        </label>
        <label>
          {t('search.from')}
          <input type="date" aria-label={t('search.fromDate')} value={filters.from} onChange={(e) => setFilters({ from: e.target.value })} />
        </label>
        <label>
          {t('search.to')}
          <input type="date" aria-label={t('search.toDate')} value={filters.to} onChange={(e) => setFilters({ to: e.target.value })} />
        </label>
      </div>
      <p
        className={`small ${problem && problem !== 'empty' ? 'error' : 'muted'}`}
        aria-live="polite"
        data-testid="memory-search-status"
        data-state={problem ?? (searching ? 'searching' : 'done')}
      >
        {problem
          ? t(`search.problem.${problem}`)
          : searching
            ? t('search.searching')
            : searched
              ? t('search.summary', { n: hits.length, text: searched.text, ms: Math.round(searched.durationMs), model: searched.embeddingModel })
              : ''}
      </p>
    </div>
  );
}
