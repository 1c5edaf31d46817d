import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMessageText } from '../../ui/message';
import { RISK_LEVELS, type RiskLevel } from '../../../shared/risk';
import { ADMIN_DEVICE_SORTS, type AdminDeviceSort } from '../../../shared/server-api';
import { useAdmin } from './admin-store';
import { dateTime } from '../../ui/format';
import { FleetCharts } from './FleetCharts';
import { DevicesTable } from './DevicesTable';
import { DeviceDetail } from './DeviceDetail';
import { ActionDialog } from './ActionDialog';
import { PolicyForm } from './PolicyForm';

/** The admins' stale-device board. */
export function AdminView() {
  const { t } = useTranslation('admin');
  const text = useMessageText();
  const { refresh, summary, error, notice, total, detail } = useAdmin();
  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <section aria-label={t('view.label')} className="admin">
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        <span className="muted">{t('view.matching', { total })}</span>
        {summary && <span className="muted small">{t('view.asOf', { when: dateTime(summary.generatedAt) })}</span>}
        <button type="button" className="secondary" onClick={() => void refresh()}>
          {t('view.refresh')}
        </button>
      </header>
      {error && (
        <p className="error" role="alert" data-testid="admin-error">
          {error}
        </p>
      )}
      {notice && (
        <p className="ok small" role="status" data-testid="admin-notice">
          {text(notice)}
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
  const { t } = useTranslation('admin');
  const { summary, query, setQuery } = useAdmin();
  const [q, setQ] = useState(query.q ?? '');
  useEffect(() => {
    if ((query.q ?? '') === q) return;
    const timer = setTimeout(() => void setQuery({ q: q || undefined }), 300);
    return () => clearTimeout(timer);
  }, [q, query.q, setQuery]);
  return (
    <div className="filters" role="search">
      <label>
        {t('filters.risk')}
        <select
          aria-label={t('filters.riskLabel')}
          value={query.level ?? ''}
          onChange={(e) => void setQuery({ level: (e.target.value || undefined) as RiskLevel | undefined })}
        >
          <option value="">{t('filters.all')}</option>
          {RISK_LEVELS.map((l) => (
            <option key={l} value={l}>
              {t('filters.levelOption', { level: t(`level.${l}`), count: summary?.levels[l] ?? '…' })}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('filters.sortBy')}
        <select aria-label={t('filters.sortBy')} value={query.sort} onChange={(e) => void setQuery({ sort: e.target.value as AdminDeviceSort })}>
          {ADMIN_DEVICE_SORTS.map((s) => (
            <option key={s} value={s}>
              {t(`sort.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('filters.order')}
        <select aria-label={t('filters.order')} value={query.dir} onChange={(e) => void setQuery({ dir: e.target.value as 'asc' | 'desc' })}>
          <option value="desc">{t('filters.desc')}</option>
          <option value="asc">{t('filters.asc')}</option>
        </select>
      </label>
      <label>
        {t('filters.search')}
        <input
          type="search"
          aria-label={t('filters.searchLabel')}
          value={q}
          maxLength={100}
          onChange={(e) => setQ(e.target.value)}
          placeholder={t('filters.searchPlaceholder')}
        />
      </label>
    </div>
  );
}
