import { useEffect, useState } from 'react';
import { RISK_LEVELS, type RiskLevel } from '../../../shared/risk';
import { ADMIN_DEVICE_SORTS, type AdminDeviceSort } from '../../../shared/server-api';
import { useAdmin } from './admin-store';
import { dateTime } from '../../ui/format';
import { FleetCharts } from './FleetCharts';
import { DevicesTable } from './DevicesTable';
import { DeviceDetail } from './DeviceDetail';
import { ActionDialog } from './ActionDialog';
import { PolicyForm } from './PolicyForm';

const SORT_LABEL: Record<AdminDeviceSort, string> = { level: 'Risk', daysOffline: 'Days offline', lastSyncAt: 'Last sync', pending: 'Pending' };

/** The admins' stale-device board. */
export function AdminView() {
  const { refresh, summary, error, notice, total, detail } = useAdmin();
  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <section aria-label="Admin" className="admin">
      <header className="view-head">
        <h2>Devices</h2>
        <span className="muted">{total.toLocaleString()} matching</span>
        {summary && <span className="muted small">as of {dateTime(summary.generatedAt)}</span>}
        <button type="button" className="secondary" onClick={() => void refresh()}>
          Refresh
        </button>
      </header>
      {error && (
        <p className="error" role="alert" data-testid="admin-error">
          {error}
        </p>
      )}
      {notice && (
        <p className="ok small" role="status" data-testid="admin-notice">
          {notice}
        </p>
      )}
      {summary && <FleetCharts summary={summary} />}
      <PolicyForm />
      <DeviceFilters />
      <div className={detail ? 'admin-body with-detail' : 'admin-body'}>
        <DevicesTable />
        <DeviceDetail />
      </div>
      <ActionDialog />
    </section>
  );
}

/** Risk, sort, order and a prefix search (sent as the admin types, after a short pause). */
function DeviceFilters() {
  const { summary, query, setQuery } = useAdmin();
  const [q, setQ] = useState(query.q ?? '');
  useEffect(() => {
    if ((query.q ?? '') === q) return;
    const t = setTimeout(() => void setQuery({ q: q || undefined }), 300);
    return () => clearTimeout(t);
  }, [q, query.q, setQuery]);
  return (
    <div className="filters" role="search">
      <label>
        Risk
        <select
          aria-label="Filter by risk"
          value={query.level ?? ''}
          onChange={(e) => void setQuery({ level: (e.target.value || undefined) as RiskLevel | undefined })}
        >
          <option value="">All</option>
          {RISK_LEVELS.map((l) => (
            <option key={l} value={l}>
              {l} ({summary?.levels[l] ?? '…'})
            </option>
          ))}
        </select>
      </label>
      <label>
        Sort by
        <select aria-label="Sort by" value={query.sort} onChange={(e) => void setQuery({ sort: e.target.value as AdminDeviceSort })}>
          {ADMIN_DEVICE_SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Order
        <select aria-label="Order" value={query.dir} onChange={(e) => void setQuery({ dir: e.target.value as 'asc' | 'desc' })}>
          <option value="desc">Descending</option>
          <option value="asc">Ascending</option>
        </select>
      </label>
      <label>
        Search (prefix)
        <input
          type="search"
          aria-label="Search devices"
          value={q}
          maxLength={100}
          onChange={(e) => setQ(e.target.value)}
          placeholder="starts with: user, device name or id"
        />
      </label>
    </div>
  );
}
