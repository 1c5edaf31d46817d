import { useTranslation } from 'react-i18next';
import { num } from '../../ui/format';
import { OUTBOX_STATES, useOutbox } from './outbox-store';

/** Items per state as a bar chart of plain divs. */
export function CountsChart() {
  const { t } = useTranslation('outbox');
  const counts = useOutbox((s) => s.counts);
  const max = Math.max(1, ...OUTBOX_STATES.map((s) => counts[s]));
  return (
    <div className="counts card" data-testid="outbox-counts" role="group" aria-label={t('counts.label')}>
      {OUTBOX_STATES.map((s) => (
        <div key={s} className="count-row" data-count-state={s} data-count={counts[s]}>
          <span className="count-label">{t(`state.${s}`)}</span>
          <div className="count-track" aria-hidden="true">
            <div className={`count-bar state-${s}`} ref={(el) => el?.style.setProperty('width', `${(counts[s] / max) * 100}%`)} />
          </div>
          <span className="count-n">{num(counts[s])}</span>
        </div>
      ))}
    </div>
  );
}
