import { useTranslation } from 'react-i18next';
import { useAudit } from './audit-store';
import { useDirectory } from '../../ui/directory-store';
import { whoLabel } from '../../ui/who';

export function AuditFiltersBar() {
  const { t } = useTranslation('audit');
  const { filters, facets, setFilters } = useAudit();
  const directory = useDirectory((s) => s.directory);
  return (
    <div className="filters" role="search">
      <label>
        {t('filters.action')}
        <select aria-label={t('filters.actionLabel')} value={filters.action} onChange={(e) => setFilters({ action: e.target.value })}>
          <option value="">{t('filters.allActions')}</option>
          {facets.actions.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      <label>
        {t('filters.actor')}
        <select aria-label={t('filters.actorLabel')} value={filters.actor} onChange={(e) => setFilters({ actor: e.target.value })}>
          <option value="">{t('filters.allActors')}</option>
          {facets.actors.map((a) => (
            <option key={a} value={a} title={a}>
              {whoLabel(directory, { actor: a }).text}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('filters.from')}
        <input type="datetime-local" aria-label={t('filters.fromLabel')} value={filters.fromTs} onChange={(e) => setFilters({ fromTs: e.target.value })} />
      </label>
      <label>
        {t('filters.to')}
        <input type="datetime-local" aria-label={t('filters.toLabel')} value={filters.toTs} onChange={(e) => setFilters({ toTs: e.target.value })} />
      </label>
    </div>
  );
}
