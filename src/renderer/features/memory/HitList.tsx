import { useTranslation } from 'react-i18next';
import { dateTime } from '../../ui/format';
import { matchedBy, rank, score, snippet } from './memory';
import { useMemory } from './memory-store';
import { TierBadge } from './TierBadge';

const REFS_SHOWN = 3;

/** Search results, best first: tier, fused score, the rank in each list, a snippet and where it came from. */
export function HitList() {
  const { t } = useTranslation('memory');
  const { hits, selected, select, searched, searchError } = useMemory();
  return (
    <div className="memory-hits-wrap">
      {searchError && (
        <p className="error small" role="alert" data-testid="memory-search-error">
          {t('hits.failed', { error: searchError })}
        </p>
      )}
      <ul role="list" aria-label={t('hits.label')} className="memory-hits" data-testid="memory-results" data-count={hits.length}>
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
                    title={t('hits.ranks', { score: score(h.score), vectorRank: rank(h.vectorRank), textRank: rank(h.textRank) })}
                  >
                    {matchedBy(h.vectorRank, h.textRank)}
                  </span>
                </span>
                <span className="hit-snippet">{snippet(it.text)}</span>
                <span className="small muted hit-meta">
                  {it.locale} · {it.sourceRefs.length ? it.sourceRefs.slice(0, REFS_SHOWN).join(', ') + (more > 0 ? ` +${more}` : '') : t('hits.noRefs')} ·{' '}
                  {dateTime(it.createdAt)}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {searched && hits.length === 0 && !searchError && (
        <p className="muted small empty-state" data-testid="memory-empty">
          {t('hits.noMatch')}
        </p>
      )}
      {!searched && hits.length === 0 && !searchError && (
        <p className="muted small empty-state" data-testid="memory-empty">
          {t('hits.start')}
        </p>
      )}
    </div>
  );
}
