import { MEMORY_TIERS, type MemoryTier } from '../../../shared/memory/types';
import { MAX_QUERY, PROBLEM_TEXT } from './memory';
import { useMemory } from './memory-store';

/** The query (sent as it is typed, after a pause) and its filters: tiers, locale, a date range. */
export function SearchBar() {
  const { filters, setFilters, problem, searching, searched, hits } = useMemory();
  const toggle = (t: MemoryTier, on: boolean) => setFilters({ tiers: on ? [...filters.tiers, t] : filters.tiers.filter((x) => x !== t) });
  return (
    <div className="memory-search stack">
      <div className="filters" role="search" aria-label="Memory search">
        <label className="memory-query">
          Search
          <input
            type="search"
            aria-label="Search memory"
            value={filters.text}
            maxLength={MAX_QUERY}
            onChange={(e) => setFilters({ text: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void useMemory.getState().search();
            }}
            placeholder="words, a question, an id…"
          />
        </label>
        <fieldset className="plain tier-checks">
          <legend className="small muted">Tiers</legend>
          {MEMORY_TIERS.map((t) => (
            <label key={t} className="check">
              <input type="checkbox" checked={filters.tiers.includes(t)} onChange={(e) => toggle(t, e.target.checked)} />
              {t}
            </label>
          ))}
        </fieldset>
        <label>
          Locale
          <input
            aria-label="Locale"
            className="memory-locale"
            value={filters.locale}
            maxLength={35}
            aria-invalid={problem === 'locale' || undefined}
            onChange={(e) => setFilters({ locale: e.target.value })}
            placeholder="any (en, sv, fr-CA)"
          />
        </label>
        <label>
          From
          <input type="date" aria-label="From date" value={filters.from} onChange={(e) => setFilters({ from: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" aria-label="To date" value={filters.to} onChange={(e) => setFilters({ to: e.target.value })} />
        </label>
      </div>
      <p
        className={`small ${problem && problem !== 'empty' ? 'error' : 'muted'}`}
        aria-live="polite"
        data-testid="memory-search-status"
        data-state={problem ?? (searching ? 'searching' : 'done')}
      >
        {problem
          ? PROBLEM_TEXT[problem]
          : searching
            ? 'Searching…'
            : searched
              ? `${hits.length} result${hits.length === 1 ? '' : 's'} for “${searched.text}” in ${Math.round(searched.durationMs).toLocaleString()} ms · query embedding ${searched.embeddingModel}`
              : ''}
      </p>
    </div>
  );
}
