import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useAudit } from './audit-store';
import { onEvent } from '../../api/client';
import { AuditFiltersBar } from './AuditFiltersBar';
import { AuditList } from './AuditList';
import { AuditDetail } from './AuditDetail';
import { NoteForm } from './NoteForm';
import { VerifyPanel } from './VerifyPanel';
import { coalesce } from '../../ui/coalesce';

export function AuditView() {
  const { t } = useTranslation('audit');
  const { refresh, error, total, totalCapped } = useAudit();
  useEffect(() => {
    void refresh();
    // A burst of entries (a background eviction, a sync) is a few refreshes, not two requests each.
    const again = coalesce(refresh);
    const off = onEvent('audit.appended', again);
    return () => {
      off();
      again.cancel();
    };
  }, [refresh]);
  return (
    <section aria-label={t('view.label')} className="audit">
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        <span className="muted" data-testid="audit-total">
          {t(totalCapped ? 'view.totalAtLeast' : 'view.total', { n: total })}
        </span>
      </header>
      <VerifyPanel />
      <NoteForm />
      <AuditFiltersBar />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="audit-body">
        <AuditList />
        <AuditDetail />
      </div>
    </section>
  );
}
