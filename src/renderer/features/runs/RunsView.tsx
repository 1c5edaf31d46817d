import { useCallback, useEffect } from 'react';
import { onEvent } from '../../api/client';
import { useRuns } from './runs-store';
import { scopeOf, useTeam } from '../team/team-store';
import { useTeamRuns } from '../team/team-runs-store';
import { dateTime } from '../../ui/format';
import { StartRun } from './StartRun';
import { RunDetail } from './RunDetail';
import { RunStatusBadge } from './RunStatusBadge';
import { DecisionDialog } from './DecisionDialog';
import { ScopeSwitch } from '../team/ScopeSwitch';
import { TeamToolbar } from '../team/Freshness';
import { TeamRunList } from '../team/TeamRunList';
import { TeamRunDetail } from '../team/TeamRunDetail';
import { TeamDecisionDialog } from '../team/TeamDecisionDialog';
import { useRefreshOn } from '../team/hooks';

/**
 * Workflow runs: start one, follow its progress live, open its step timeline and cards. "All devices"
 * (team sync, the default on an enrolled device) lists every device's runs with device, user, the
 * approval they wait on and sync freshness; a run of another device opens with its cards.
 */
export function RunsView() {
  const { load, refreshRuns, runs, selected, open, error, problems, nextBeforeId, loadMore } = useRuns();
  const scope = useTeam((s) => scopeOf(s, 'runs'));
  const refreshStatus = useTeam((s) => s.refreshStatus);
  const team = useTeamRuns();
  const refreshTeam = team.refresh;
  const refreshOpen = team.refreshOpen;
  useEffect(() => {
    void load();
    void refreshStatus();
    return onEvent('runs.changed', () => void refreshRuns());
  }, [load, refreshRuns, refreshStatus]);
  useEffect(() => {
    if (scope === 'all') void refreshTeam();
  }, [scope, refreshTeam]);
  const onTeamChange = useCallback(() => {
    if (scopeOf(useTeam.getState(), 'runs') !== 'all') return;
    void useTeamRuns.getState().refresh();
    void useTeamRuns.getState().refreshOpen();
  }, []);
  useRefreshOn(onTeamChange);
  const afterDecision = useCallback(() => {
    void refreshTeam();
    void refreshOpen();
  }, [refreshTeam, refreshOpen]);

  const remote = scope === 'all' && team.open;
  let detail;
  if (remote) {
    detail = team.detail ? (
      <TeamRunDetail run={team.detail.run} cards={team.detail.cards} />
    ) : team.detailError ? (
      <p className="card error" role="alert">
        Could not open the run: {team.detailError}
      </p>
    ) : (
      <div className="card muted small">Loading the run…</div>
    );
  } else
    detail = selected ? (
      <RunDetail run={selected.run} cards={selected.cards} />
    ) : (
      <div className="card muted small">Select a run to see its steps and cards.</div>
    );

  return (
    <section aria-label="Runs" className="runs-view" data-scope={scope ?? ''}>
      <header className="view-head">
        <h2>Runs</h2>
        <ScopeSwitch view="runs" />
        <span className="muted">{scope === 'all' ? team.items.length : runs.length} shown</span>
      </header>
      {scope === 'all' && <TeamToolbar noun="Runs" asOf={team.asOf} onPulled={afterDecision} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {scope === 'all' && team.error && (
        <p className="error" role="alert">
          {team.error}
        </p>
      )}
      {problems.length > 0 && (
        <ul className="small error" aria-label="Workflows refused at load">
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
          <StartRun />
          {scope === 'all' && <TeamRunList />}
          {scope === 'local' && (
            <>
              <ul className="run-list" aria-label="Run list" data-testid="run-list">
                {runs.map((r) => (
                  <li key={r.id}>
                    <button
                      type="button"
                      className={`run-row${selected?.run.id === r.id ? ' selected' : ''}`}
                      data-id={r.id}
                      data-status={r.status}
                      onClick={() => void open(r.id)}
                    >
                      <span>
                        <strong>{r.title}</strong>
                        <br />
                        <span className="muted small">{dateTime(r.createdAt)}</span>
                      </span>
                      <span className="run-progress" aria-label={`${r.progress.done} of ${r.progress.total} steps`}>
                        <span className="count-track">
                          <span
                            className="count-bar"
                            ref={(el) => el?.style.setProperty('width', `${(r.progress.done / Math.max(1, r.progress.total)) * 100}%`)}
                          />
                        </span>
                        <span className="small muted">
                          {r.progress.done}/{r.progress.total}
                        </span>
                      </span>
                      <RunStatusBadge status={r.status} />
                    </button>
                  </li>
                ))}
              </ul>
              {nextBeforeId && (
                <button type="button" className="secondary" onClick={() => void loadMore()}>
                  Older runs
                </button>
              )}
            </>
          )}
          {scope === null && <p className="muted small">Loading…</p>}
        </div>
        {detail}
      </div>
      <DecisionDialog
        onDone={() => {
          if (scope === 'all') void refreshTeam();
        }}
      />
      <TeamDecisionDialog onDone={afterDecision} />
    </section>
  );
}
