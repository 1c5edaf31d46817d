import { useAudit } from './audit-store';
import { useDirectory } from '../../ui/directory-store';
import { whoLabel } from '../../ui/who';

export function AuditFiltersBar() {
  const { filters, facets, setFilters } = useAudit();
  const directory = useDirectory((s) => s.directory);
  return (
    <div className="filters" role="search">
      <label>
        Action
        <select aria-label="Filter by action" value={filters.action} onChange={(e) => setFilters({ action: e.target.value })}>
          <option value="">All</option>
          {facets.actions.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      <label>
        Actor
        <select aria-label="Filter by actor" value={filters.actor} onChange={(e) => setFilters({ actor: e.target.value })}>
          <option value="">All</option>
          {facets.actors.map((a) => (
            <option key={a} value={a} title={a}>
              {whoLabel(directory, { actor: a }).text}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="datetime-local" aria-label="From time" value={filters.fromTs} onChange={(e) => setFilters({ fromTs: e.target.value })} />
      </label>
      <label>
        To
        <input type="datetime-local" aria-label="To time" value={filters.toTs} onChange={(e) => setFilters({ toTs: e.target.value })} />
      </label>
    </div>
  );
}
