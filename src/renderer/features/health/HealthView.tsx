import { useEffect } from 'react';
import { figureLabel, figureValue } from './figures';
import { useHealth } from './health-store';
import { StatusBadge } from '../../ui/StatusBadge';

export function HealthView() {
  const { report, error, refresh } = useHealth();
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return (
    <section aria-label="Health">
      <header className="view-head">
        <h2>Health</h2>
        {report && <StatusBadge status={report.status} label={`overall: ${report.status}`} />}
        <button onClick={() => void refresh()}>Refresh</button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {report && <p className="muted small">Checked {new Date(report.checkedAt).toLocaleString()}</p>}
      <div className="cards">
        {report?.checks.map((c) => (
          <article key={c.id} className="card" data-check={c.id}>
            <header className="card-head">
              <strong>{c.id}</strong>
              <StatusBadge status={c.status} />
            </header>
            <p>{c.summary}</p>
            <dl className="figures">
              {Object.entries(c.figures).map(([k, v]) => (
                <div key={k}>
                  <dt title={k}>{figureLabel(k)}</dt>
                  <dd>{figureValue(k, v)}</dd>
                </div>
              ))}
            </dl>
          </article>
        ))}
      </div>
    </section>
  );
}
