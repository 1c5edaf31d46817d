import { useEffect, useState } from 'react';
import { CARD_SORTS, type CardSort } from '../../../shared/workflow/views';
import { LaneStatusFilters } from './LaneStatusFilters';
import { cardList, cardStatsOf, useCardList, type CardFilters } from './cards-store';
import { useDirectory } from '../../ui/directory-store';
import { whoLabel } from '../../ui/who';
import { useTeam } from '../team/team-store';
import type { Scope } from '../team/team';

const DEBOUNCE_MS = 300;
const SORT_LABEL: Record<CardSort, string> = { time: 'Time', cost: 'Cost', uncertainty: 'Uncertainty' };

/** Local date input (YYYY-MM-DD) → ISO at the start (or end) of that day. */
const dayIso = (d: string, end = false): string | undefined => (d ? new Date(`${d}T${end ? '23:59:59.999' : '00:00:00.000'}`).toISOString() : undefined);

/** A text filter typed into an input, applied after a pause. */
function useDebounced(value: string | undefined, apply: (v: string | undefined) => void, trim: boolean): [string, (v: string) => void] {
  const [text, setText] = useState(value ?? '');
  useEffect(() => {
    const v = trim ? text.trim() : text;
    if ((value ?? '') === v) return;
    const t = setTimeout(() => apply(v || undefined), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, value, apply, trim]);
  return [text, setText];
}

const setFiltersOf = (scope: Scope) => (f: Partial<CardFilters>) => void cardList(scope).getState().setFilters(f);
const applyText = { device: (text?: string) => setFiltersOf('device')({ text }), tenant: (text?: string) => setFiltersOf('tenant')({ text }) };
const applyDevice = (device?: string) => setFiltersOf('tenant')({ device });

/**
 * The card filters, the same in both scopes: words, lane, status, failed invariant, run, dates, sort
 * and order; the tenant's list adds the device (chosen by name from the devices this device knows).
 */
export function CardFiltersBar({ scope }: { scope: Scope }) {
  const tenant = scope === 'tenant';
  const filters = useCardList(scope, (s) => s.filters);
  const setFilters = setFiltersOf(scope);
  const [q, setQ] = useDebounced(filters.text, applyText[scope], tenant);
  return (
    <div className="filters" role="search" aria-label={tenant ? 'Filter team cards' : undefined}>
      <label>
        Search
        <input
          type="search"
          aria-label="Search cards"
          value={q}
          maxLength={200}
          onChange={(e) => setQ(e.target.value)}
          placeholder={tenant ? 'report ID, site, subject' : 'report ID, site, subject, reasons'}
        />
      </label>
      <LaneStatusFilters lane={filters.lane} status={filters.status} onChange={setFilters} />
      {tenant && <DeviceFilter filters={filters} />}
      <SharedFilters scope={scope} filters={filters} />
    </div>
  );
}

function DeviceFilter({ filters }: { filters: CardFilters }) {
  const peers = useTeam((s) => s.peers);
  const self = useTeam((s) => s.status?.device ?? null);
  const directory = useDirectory((s) => s.directory);
  const devices = [...new Set([...(self ? [self] : []), ...peers.map((p) => p.device), ...(filters.device ? [filters.device] : [])])];
  return (
    <label>
      Device
      <select aria-label="Filter by device" value={filters.device ?? ''} onChange={(e) => applyDevice(e.target.value || undefined)}>
        <option value="">All devices</option>
        {devices.map((d) => (
          <option key={d} value={d} title={d}>
            {whoLabel(directory, { device: d }).text}
          </option>
        ))}
      </select>
    </label>
  );
}

function SharedFilters({ scope, filters }: { scope: Scope; filters: CardFilters }) {
  const stats = cardStatsOf(scope)((s) => s.stats);
  const setFilters = setFiltersOf(scope);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return (
    <>
      <label>
        Failed invariant
        <select
          aria-label="Filter by failed invariant"
          value={filters.failedInvariant ?? ''}
          onChange={(e) => setFilters({ failedInvariant: e.target.value || undefined })}
        >
          <option value="">Any</option>
          {(stats?.failedInvariants ?? []).map((f) => (
            <option key={f.id} value={f.id}>
              {f.id} ({f.count})
            </option>
          ))}
        </select>
      </label>
      <label>
        Run
        <input
          aria-label="Filter by run"
          value={filters.runId ?? ''}
          onChange={(e) => setFilters({ runId: e.target.value.trim() || undefined })}
          placeholder="run id"
        />
      </label>
      <label>
        From
        <input type="date" aria-label="From date" value={from} onChange={(e) => (setFrom(e.target.value), setFilters({ from: dayIso(e.target.value) }))} />
      </label>
      <label>
        To
        <input type="date" aria-label="To date" value={to} onChange={(e) => (setTo(e.target.value), setFilters({ to: dayIso(e.target.value, true) }))} />
      </label>
      <label>
        Sort by
        <select aria-label="Sort cards by" value={filters.sort ?? 'time'} onChange={(e) => setFilters({ sort: e.target.value as CardSort })}>
          {CARD_SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Order
        <select aria-label="Card order" value={filters.dir ?? 'desc'} onChange={(e) => setFilters({ dir: e.target.value as 'asc' | 'desc' })}>
          <option value="desc">Descending</option>
          <option value="asc">Ascending</option>
        </select>
      </label>
    </>
  );
}
