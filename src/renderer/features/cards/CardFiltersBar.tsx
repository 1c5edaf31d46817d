import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CARD_SORTS, type CardSort } from '../../../shared/workflow/views';
import { LaneStatusFilters } from './LaneStatusFilters';
import { cardList, cardStatsOf, useCardList, type CardFilters } from './cards-store';
import { useDirectory } from '../../ui/directory-store';
import { whoLabel } from '../../ui/who';
import { useTeam } from '../team/team-store';
import type { Scope } from '../team/team';

const DEBOUNCE_MS = 300;

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
  const { t } = useTranslation('cards');
  const tenant = scope === 'tenant';
  const filters = useCardList(scope, (s) => s.filters);
  const setFilters = setFiltersOf(scope);
  const [q, setQ] = useDebounced(filters.text, applyText[scope], tenant);
  return (
    <div className="filters" role="search" aria-label={tenant ? t('filters.teamLabel') : undefined}>
      <label>
        {t('filters.search')}
        <input
          type="search"
          aria-label={t('filters.searchLabel')}
          value={q}
          maxLength={200}
          onChange={(e) => setQ(e.target.value)}
          placeholder={t(tenant ? 'filters.searchHintTeam' : 'filters.searchHint')}
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
  const { t } = useTranslation('cards');
  const devices = [...new Set([...(self ? [self] : []), ...peers.map((p) => p.device), ...(filters.device ? [filters.device] : [])])];
  return (
    <label>
      {t('filters.device')}
      <select aria-label={t('filters.deviceLabel')} value={filters.device ?? ''} onChange={(e) => applyDevice(e.target.value || undefined)}>
        <option value="">{t('filters.allDevices')}</option>
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
  const { t } = useTranslation('cards');
  return (
    <>
      <label>
        {t('filters.failedInvariant')}
        <select
          aria-label={t('filters.failedInvariantLabel')}
          value={filters.failedInvariant ?? ''}
          onChange={(e) => setFilters({ failedInvariant: e.target.value || undefined })}
        >
          <option value="">{t('filters.any')}</option>
          {(stats?.failedInvariants ?? []).map((f) => (
            <option key={f.id} value={f.id}>
              {f.id} ({f.count})
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('filters.run')}
        <input
          aria-label={t('filters.runLabel')}
          value={filters.runId ?? ''}
          onChange={(e) => setFilters({ runId: e.target.value.trim() || undefined })}
          placeholder={t('filters.runHint')}
        />
      </label>
      <label>
        {t('filters.from')}
        <input
          type="date"
          aria-label={t('filters.fromLabel')}
          value={from}
          onChange={(e) => (setFrom(e.target.value), setFilters({ from: dayIso(e.target.value) }))}
        />
      </label>
      <label>
        {t('filters.to')}
        <input
          type="date"
          aria-label={t('filters.toLabel')}
          value={to}
          onChange={(e) => (setTo(e.target.value), setFilters({ to: dayIso(e.target.value, true) }))}
        />
      </label>
      <label>
        {t('filters.sortBy')}
        <select aria-label={t('filters.sortLabel')} value={filters.sort ?? 'time'} onChange={(e) => setFilters({ sort: e.target.value as CardSort })}>
          {CARD_SORTS.map((s) => (
            <option key={s} value={s}>
              {t(`filters.sort.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('filters.order')}
        <select aria-label={t('filters.orderLabel')} value={filters.dir ?? 'desc'} onChange={(e) => setFilters({ dir: e.target.value as 'asc' | 'desc' })}>
          <option value="desc">{t('filters.desc')}</option>
          <option value="asc">{t('filters.asc')}</option>
        </select>
      </label>
    </>
  );
}
