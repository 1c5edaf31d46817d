import { useEffect } from 'react';
import { onEvent } from '../../api/client';
import { useRuns } from '../../store/runs-store';
import { dateTime } from '../../lib/format';
import { StartRun } from './StartRun';
import { RunDetail } from './RunDetail';
import { RunStatusBadge } from './RunStatusBadge';
import { DecisionDialog } from './DecisionDialog';

/** Workflow runs: start one, follow its progress live, open its step timeline and cards. */
export function RunsView() {
  const { load, refreshRuns, runs, selected, open, error, problems, nextBeforeId, loadMore } = useRuns();
  useEffect(() => {
    void load();
    return onEvent('runs.changed', () => void refreshRuns());
  }, [load, refreshRuns]);
  return (
    <section aria-label="Runs" className="runs-view">
      <header className="view-head">
        <h2>Runs</h2>
        <span className="muted">{runs.length} shown</span>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
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
          <ul className="run-list" aria-label="Run list" data-testid="run-list">
            {runs.map((r) => (
              <li key={r.id}>
                <button type="button" className={`run-row${selected?.run.id === r.id ? ' selected' : ''}`} data-id={r.id} data-status={r.status} onClick={() => void open(r.id)}>
                  <span>
                    <strong>{r.title}</strong>
                    <br />
                    <span className="muted small">{dateTime(r.createdAt)}</span>
                  </span>
                  <span className="run-progress" aria-label={`${r.progress.done} of ${r.progress.total} steps`}>
                    <span className="count-track">
                      <span className="count-bar" ref={(el) => el?.style.setProperty('width', `${(r.progress.done / Math.max(1, r.progress.total)) * 100}%`)} />
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
        </div>
        {selected ? <RunDetail run={selected.run} cards={selected.cards} /> : <div className="card muted small">Select a run to see its steps and cards.</div>}
      </div>
      <DecisionDialog />
    </section>
  );
}
