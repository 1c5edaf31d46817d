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
  return (
    <>
      <label>
        Lane
        <select aria-label="Filter by lane" value={lane ?? ''} onChange={(e) => onChange({ lane: (e.target.value || undefined) as Lane | undefined })}>
          <option value="">All</option>
          {LANES.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select
          aria-label="Filter by status"
          value={status ?? ''}
          onChange={(e) => onChange({ status: (e.target.value || undefined) as CardStatus | undefined })}
        >
          <option value="">All</option>
          {CARD_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace('_', ' ')}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
