import { useTranslation } from 'react-i18next';
import { scopeAttr, type Scope } from './team';
import { scopeOf, useTeam, type ScopedView } from './team-store';

/** "All devices" (team sync: every device of the tenant) / "This device" (this device's own items). */
export function ScopeSwitch({ view }: { view: ScopedView }) {
  const { t } = useTranslation('team');
  const scope = useTeam((s) => scopeOf(s, view));
  const setScope = useTeam((s) => s.setScope);
  const enrolled = useTeam((s) => s.status?.enrolled ?? false);
  const btn = (value: Scope, label: string) => (
    <button
      type="button"
      className={scope === value ? 'scope-btn active' : 'scope-btn'}
      aria-pressed={scope === value}
      data-scope={scopeAttr(value)}
      onClick={() => setScope(view, value)}
      title={value === 'tenant' && !enrolled ? t('scope.notEnrolled') : undefined}
    >
      {label}
    </button>
  );
  const all = btn('tenant', t('scope.all'));
  const own = btn('device', t('scope.device'));
  return (
    <div className="scope-switch" role="group" aria-label={t('scope.label')} data-testid="scope-switch" data-scope={scopeAttr(scope)}>
      {all}
      {own}
    </div>
  );
}
