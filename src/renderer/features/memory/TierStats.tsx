import { useTranslation } from 'react-i18next';
import { MEMORY_TIERS, type MemoryStats } from '../../../shared/memory/types';
import { bytes, num } from '../../ui/format';
import { TierBadge } from './TierBadge';
import { InlineValue, VALUE_MARK } from '../../ui/InlineValue';

/** Items, quota and bytes per tier; the bar is the share of the quota used (or of the largest tier). */
export function TierStats({ stats, error }: { stats: MemoryStats | null; error: string | null }) {
  const { t } = useTranslation('memory');
  const max = stats ? Math.max(1, ...MEMORY_TIERS.map((t) => stats.tiers[t].count)) : 1;
  return (
    <figure className="card chart memory-stats" aria-label={t('stats.label')} data-testid="tier-stats">
      <figcaption>{t('stats.title')}</figcaption>
      {error && <p className="small error">{t('stats.unavailable', { error })}</p>}
      {stats ? (
        <>
          <table className="history small tier-table">
            <thead>
              <tr>
                <th scope="col">{t('stats.tier')}</th>
                <th scope="col" className="num">
                  {t('stats.items')}
                </th>
                <th scope="col" className="num">
                  {t('stats.quota')}
                </th>
                <th scope="col" className="num">
                  {t('stats.bytes')}
                </th>
                <th scope="col">{t('stats.use')}</th>
              </tr>
            </thead>
            <tbody>
              {MEMORY_TIERS.map((tier) => {
                const s = stats.tiers[tier];
                const share = s.quota ? s.count / s.quota : s.count / max;
                return (
                  <tr key={tier} data-tier={tier} data-count={s.count} data-quota={s.quota ?? ''} data-bytes={s.bytes}>
                    <th scope="row">
                      <TierBadge tier={tier} />
                    </th>
                    <td className="num">{num(s.count)}</td>
                    <td className="num">{s.quota === null ? '—' : num(s.quota)}</td>
                    <td className="num">{bytes(s.bytes)}</td>
                    <td>
                      <span className="tier-use">
                        <span className="count-track" aria-hidden="true">
                          <span
                            className={`count-bar tier-bar-${tier}${s.quota && s.count >= s.quota ? ' full' : ''}`}
                            ref={(el) => el?.style.setProperty('width', `${Math.min(1, share) * 100}%`)}
                          />
                        </span>
                        <span className="muted">{s.quota ? t('stats.percent', { p: Math.round((s.count / s.quota) * 100) / 100 }) : ''}</span>
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="small muted">
            <InlineValue text={t('stats.embedding', { model: VALUE_MARK })}>
              <span className="mono">{stats.embeddingModel}</span>
            </InlineValue>
          </p>
        </>
      ) : (
        !error && <p className="small muted">{t('stats.loading')}</p>
      )}
    </figure>
  );
}
