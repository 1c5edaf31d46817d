import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { dateTime } from '../../ui/format';
import { figureLabel, figureValue } from './figures';
import { useHealth } from './health-store';
import { StatusBadge } from '../../ui/StatusBadge';

export function HealthView() {
  const { t } = useTranslation('health');
  const { report, error, refresh } = useHealth();
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return (
    <section aria-label={t('view.label')}>
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        {report && <StatusBadge status={report.status} label={t('view.overall', { status: report.status })} />}
        <button onClick={() => void refresh()}>{t('view.refresh')}</button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {report && <p className="muted small">{t('view.checked', { when: dateTime(report.checkedAt) })}</p>}
      <div className="cards">
        {report?.checks.map((c) => (
          <article key={c.id} className="card" data-check={c.id}>
            <header className="card-head">
              <strong>{c.id}</strong>
              <StatusBadge status={c.status} label={t('status', { status: c.status })} />
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
