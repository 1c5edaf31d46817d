import { useEffect, useState } from 'react';
import { LaneStatusFilters } from '../cards/LaneStatusFilters';
import { useTeamCards } from './team-cards-store';
import { useTeam } from './team-store';

const DEBOUNCE_MS = 300;

/** Filters team.cards supports: words, lane, status, device (suggested from the peers this device knows). */
export function TeamCardFilters() {
  const { filters, setFilters } = useTeamCards();
  const peers = useTeam((s) => s.peers);
  const self = useTeam((s) => s.status?.device ?? null);
  const [q, setQ] = useState(filters.q ?? '');
  const [device, setDevice] = useState(filters.device ?? '');
  useEffect(() => {
    if ((filters.q ?? '') === q.trim()) return;
    const t = setTimeout(() => void setFilters({ q: q.trim() || undefined }), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [q, filters.q, setFilters]);
  useEffect(() => {
    if ((filters.device ?? '') === device.trim()) return;
    const t = setTimeout(() => void setFilters({ device: device.trim() || undefined }), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [device, filters.device, setFilters]);
  const devices = [...new Set([...(self ? [self] : []), ...peers.map((p) => p.device)])];
  return (
    <div className="filters" role="search" aria-label="Filter team cards">
      <label>
        Search
        <input type="search" aria-label="Search cards" value={q} maxLength={200} onChange={(e) => setQ(e.target.value)} placeholder="subject, rationale" />
      </label>
      <LaneStatusFilters lane={filters.lane} status={filters.status} onChange={(f) => void setFilters(f)} />
      <label>
        Device
        <input
          aria-label="Filter by device"
          value={device}
          maxLength={64}
          list="team-card-devices"
          onChange={(e) => setDevice(e.target.value)}
          placeholder="device id"
        />
        <datalist id="team-card-devices">
          {devices.map((d) => (
            <option key={d} value={d}>
              {d === self ? 'this device' : (peers.find((p) => p.device === d)?.user ?? '')}
            </option>
          ))}
        </datalist>
      </label>
      {filters.runId && (
        <button type="button" className="secondary" onClick={() => void setFilters({ runId: undefined })}>
          Run {filters.runId} ✕
        </button>
      )}
    </div>
  );
}
