import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { dateTime } from '../../ui/format';
import { figureLabel, figureValue } from './figures';
import { useHealth } from './health-store';
import { StatusBadge } from '../../ui/StatusBadge';
import { useMessageText } from '../../ui/message';
import { storedErrorText } from '../../ui/error-words';

export function HealthView() {
  const { t } = useTranslation('health');
  useMessageText(); // re-renders when the language changes
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
              {/* A plain title in the user's language; the check's name stays on hover and in data-check. */}
              <strong title={c.id}>{t(`check.${c.id}.title`, { defaultValue: c.id })}</strong>
              <StatusBadge status={c.status} label={t('status', { status: c.status })} />
            </header>
            {/* The check's messages in the user's language; a check without them (a newer or older main process) as it says it. */}
            <p>{c.messages ? c.messages.map(storedErrorText).join(' ') : c.summary}</p>
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
