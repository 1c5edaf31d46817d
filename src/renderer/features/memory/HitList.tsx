import { dateTime } from '../../ui/format';
import { matchedBy, rank, score, snippet } from './memory';
import { useMemory } from './memory-store';
import { TierBadge } from './TierBadge';

const REFS_SHOWN = 3;

/** Search results, best first: tier, fused score, the rank in each list, a snippet and where it came from. */
export function HitList() {
  const { hits, selected, select, searched, searchError } = useMemory();
  return (
    <div className="memory-hits-wrap">
      {searchError && (
        <p className="error small" role="alert" data-testid="memory-search-error">
          Search failed: {searchError}
        </p>
      )}
      <ul role="list" aria-label="Memory results" className="memory-hits" data-testid="memory-results" data-count={hits.length}>
        {hits.map((h) => {
          const it = h.item;
          const current = selected?.id === it.id;
          const more = it.sourceRefs.length - REFS_SHOWN;
          return (
            <li key={it.id} data-testid="memory-hit" data-id={it.id} data-tier={it.tier}>
              <button
                type="button"
                className={`memory-hit${current ? ' selected' : ''}`}
                aria-current={current ? 'true' : undefined}
                onClick={() => void select(it.id)}
              >
                <span className="hit-head">
                  <TierBadge tier={it.tier} />
                  <span
                    className="small muted"
                    data-testid="hit-ranks"
                    data-vector-rank={h.vectorRank ?? ''}
                    data-text-rank={h.textRank ?? ''}
                    title={`Fused score ${score(h.score)} (reciprocal rank fusion × tier weight × recency); meaning rank ${rank(h.vectorRank)}, word rank ${rank(h.textRank)}`}
                  >
                    {matchedBy(h.vectorRank, h.textRank)}
                  </span>
                </span>
                <span className="hit-snippet">{snippet(it.text)}</span>
                <span className="small muted hit-meta">
                  {it.locale} · {it.sourceRefs.length ? it.sourceRefs.slice(0, REFS_SHOWN).join(', ') + (more > 0 ? ` +${more}` : '') : 'no source refs'} ·{' '}
                  {dateTime(it.createdAt)}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {searched && hits.length === 0 && !searchError && (
        <p className="muted small empty-state" data-testid="memory-empty">
          Nothing in memory matches. Try other words, or add an item below.
        </p>
      )}
      {!searched && hits.length === 0 && !searchError && (
        <p className="muted small empty-state" data-testid="memory-empty">
          Search to see what Maestro remembers. Items are added below, and from finished runs.
        </p>
      )}
    </div>
  );
}
