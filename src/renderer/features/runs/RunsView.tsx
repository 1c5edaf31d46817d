import { useCallback, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { onEvent } from '../../api/client';
import { refreshDeviceRuns, useRuns } from './runs-store';
import { runList, useRunList } from './run-list-store';
import { useRunDetail } from './run-detail-store';
import { scopeOf, useTeam } from '../team/team-store';
import { scopeAttr, type Scope } from '../team/team';
import { StartRun } from './StartRun';
import { RunDetail } from './RunDetail';
import { RunList } from './RunList';
import { DecisionDialog } from './DecisionDialog';
import { ScopeSwitch } from '../team/ScopeSwitch';
import { TeamToolbar } from '../team/Freshness';
import { useRefreshOn } from '../team/hooks';
import { coalesce } from '../../ui/coalesce';

const VIEW = 'runs';

/** The tenant's runs again, and the open run of another device. */
const refreshTenant = () => {
  void runList('tenant').getState().refresh();
  void useRunDetail.getState().reloadRemote();
};

/** Loads the workflows and both lists, and keeps them current: 'runs.changed' for this device's, pulls for the tenant's. */
function useRunsRefresh(scope: Scope | null): void {
  const load = useRuns((s) => s.load);
  const refreshStatus = useTeam((s) => s.refreshStatus);
  useEffect(() => {
    void load();
    void refreshStatus();
    const again = coalesce(refreshDeviceRuns);
    const off = onEvent('runs.changed', again);
    return () => {
      off();
      again.cancel();
    };
  }, [load, refreshStatus]);
  useEffect(() => {
    if (scope === 'tenant') void runList('tenant').getState().refresh();
  }, [scope]);
  const onTeamChange = useCallback(() => {
    if (scopeOf(useTeam.getState(), 'runs') === 'tenant') refreshTenant();
  }, []);
  useRefreshOn(onTeamChange);
}

/**
 * Workflow runs: start one, follow its progress live, open its step timeline and cards. "All devices"
 * (team sync, the default on an enrolled device) lists every device's runs with device, user, the
 * approval they wait on and sync freshness; a run of another device opens with its cards.
 */
export function RunsView() {
  const { t } = useTranslation('runs');
  const scope = useTeam((s) => scopeOf(s, 'runs'));
  useRunsRefresh(scope);
  const { error, problems } = useRuns();
  const shown = useRunList(scope ?? 'device', (s) => s.items.length);
  const deviceError = useRunList('device', (s) => s.error);
  const tenant = useRunList('tenant');
  const detailError = useRunDetail((s) => s.error);
  return (
    <section aria-label={t('view.label')} className="runs-view" data-scope={scopeAttr(scope)}>
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        <ScopeSwitch view={VIEW} />
        <span className="muted">{t('view.shown', { n: shown })}</span>
      </header>
      {scope === 'tenant' && <TeamToolbar noun={t('view.title')} asOf={tenant.asOf} onPulled={refreshTenant} />}
      {[error, deviceError, detailError, scope === 'tenant' ? tenant.error : null].map(
        (e, i) =>
          e && (
            <p key={i} className="error" role="alert">
              {e}
            </p>
          ),
      )}
      {problems.length > 0 && (
        <ul className="small error" aria-label={t('view.problems')}>
          {problems.map((p) => (
            <li key={`${p.file}:${p.line}`}>
              {p.file}
              {p.line ? `:${p.line}` : ''} — {p.reason}
            </li>
          ))}
        </ul>
      )}
      <div className="runs-body">
        <div className="stack">
          {/* The list first: it is what a person comes back to; starting a run is below it. */}
          {scope && <RunList key={scope} scope={scope} />}
          {scope === null && <p className="muted small">{t('view.loading')}</p>}
          <StartRun />
        </div>
        <OpenRun scope={scope} />
      </div>
      <DecisionDialog />
    </section>
  );
}

/** The detail pane: the open run of another device (tenant scope only), else this device's open run. */
function OpenRun({ scope }: { scope: Scope | null }) {
  const { t } = useTranslation('runs');
  const { local, remote, remoteDetail, remoteError } = useRunDetail();
  if (scope === 'tenant' && remote) {
    if (remoteDetail) return <RunDetail scope="tenant" view={remoteDetail.run} cards={remoteDetail.cards} />;
    if (remoteError)
      return (
        <p className="card error" role="alert">
          {t('view.openFailed', { error: remoteError })}
        </p>
      );
    return <div className="card muted small">{t('view.loadingRun')}</div>;
  }
  if (local) return <RunDetail scope="device" run={local.run} cards={local.cards} />;
  return <div className="card muted small">{t('view.selectRun')}</div>;
}
