import { useTranslation } from 'react-i18next';
import { CARD_STATUSES, LANES, type CardStatus, type Lane } from '../../../shared/workflow/types';

/** The lane and status selects of both card lists (this device's and the team's). */
export function LaneStatusFilters({
  lane,
  status,
  onChange,
}: {
  lane?: Lane;
  status?: CardStatus;
  onChange: (f: { lane?: Lane; status?: CardStatus }) => void;
}) {
  const { t } = useTranslation('cards');
  return (
    <>
      <label>
        {t('filters.lane')}
        <select aria-label={t('filters.laneLabel')} value={lane ?? ''} onChange={(e) => onChange({ lane: (e.target.value || undefined) as Lane | undefined })}>
          <option value="">{t('filters.all')}</option>
          {LANES.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </label>
      <label>
        {t('filters.status')}
        <select
          aria-label={t('filters.statusLabel')}
          value={status ?? ''}
          onChange={(e) => onChange({ status: (e.target.value || undefined) as CardStatus | undefined })}
        >
          <option value="">{t('filters.all')}</option>
          {CARD_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
