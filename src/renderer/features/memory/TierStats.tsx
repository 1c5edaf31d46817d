import { MEMORY_TIERS, type MemoryStats } from '../../../shared/memory/types';
import { bytes } from '../../ui/format';
import { TierBadge } from './TierBadge';

/** Items, quota and bytes per tier; the bar is the share of the quota used (or of the largest tier). */
export function TierStats({ stats, error }: { stats: MemoryStats | null; error: string | null }) {
  const max = stats ? Math.max(1, ...MEMORY_TIERS.map((t) => stats.tiers[t].count)) : 1;
  return (
    <figure className="card chart memory-stats" aria-label="Tier stats" data-testid="tier-stats">
      <figcaption>Tiers</figcaption>
      {error && <p className="small error">Stats unavailable: {error}</p>}
      {stats ? (
        <>
          <table className="history small tier-table">
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col" className="num">
                  Items
                </th>
                <th scope="col" className="num">
                  Quota
                </th>
                <th scope="col" className="num">
                  Bytes
                </th>
                <th scope="col">Use</th>
              </tr>
            </thead>
            <tbody>
              {MEMORY_TIERS.map((t) => {
                const s = stats.tiers[t];
                const share = s.quota ? s.count / s.quota : s.count / max;
                return (
                  <tr key={t} data-tier={t} data-count={s.count} data-quota={s.quota ?? ''} data-bytes={s.bytes}>
                    <th scope="row">
                      <TierBadge tier={t} />
                    </th>
                    <td className="num">{s.count.toLocaleString()}</td>
                    <td className="num">{s.quota === null ? '—' : s.quota.toLocaleString()}</td>
                    <td className="num">{bytes(s.bytes)}</td>
                    <td>
                      <span className="tier-use">
                        <span className="count-track" aria-hidden="true">
                          <span
                            className={`count-bar tier-bar-${t}${s.quota && s.count >= s.quota ? ' full' : ''}`}
                            ref={(el) => el?.style.setProperty('width', `${Math.min(1, share) * 100}%`)}
                          />
                        </span>
                        <span className="muted">{s.quota ? `${Math.round((s.count / s.quota) * 100)}%` : ''}</span>
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="small muted">
            Embedding: <span className="mono">{stats.embeddingModel}</span>
          </p>
        </>
      ) : (
        !error && <p className="small muted">Loading…</p>
      )}
    </figure>
  );
}
