import { useTranslation } from 'react-i18next';
import { useAudit } from './audit-store';
import { Named, Who } from '../../ui/Who';

export function AuditDetail() {
  const { t } = useTranslation('audit');
  const e = useAudit((s) => s.selected);
  if (!e) return <aside className="audit-detail muted">{t('detail.empty')}</aside>;
  return (
    <aside className="audit-detail" aria-label={t('detail.label')}>
      <h3>{t('detail.title', { seq: e.seq })}</h3>
      <dl className="figures">
        <div>
          <dt>{t('detail.time')}</dt>
          <dd>{e.ts}</dd>
        </div>
        <div>
          <dt>{t('detail.actor')}</dt>
          <dd>
            <Who actor={e.actor} />
          </dd>
        </div>
        <div>
          <dt>{t('detail.action')}</dt>
          <dd>{e.action}</dd>
        </div>
        <div>
          <dt>{t('detail.subject')}</dt>
          <dd>{e.subject ? <Named text={e.subject} /> : '—'}</dd>
        </div>
        <div>
          <dt>{t('detail.hash')}</dt>
          <dd className="mono">{e.hash}</dd>
        </div>
        <div>
          <dt>{t('detail.previous')}</dt>
          <dd className="mono">{e.prevHash}</dd>
        </div>
      </dl>
      {/* The raw payload is for whoever checks the chain: under a disclosure, not in people's way. */}
      <details className="payload-details">
        <summary>{t('detail.payload')}</summary>
        <pre className="payload">{JSON.stringify(e.payload, null, 2)}</pre>
      </details>
    </aside>
  );
}
