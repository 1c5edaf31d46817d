import { useEffect } from 'react';
import { count } from '../../ui/format';
import { useAudit } from './audit-store';
import { onEvent } from '../../api/client';
import { AuditFiltersBar } from './AuditFiltersBar';
import { AuditList } from './AuditList';
import { AuditDetail } from './AuditDetail';
import { NoteForm } from './NoteForm';
import { VerifyPanel } from './VerifyPanel';

export function AuditView() {
  const { refresh, error, total } = useAudit();
  useEffect(() => {
    void refresh();
    return onEvent('audit.appended', () => void refresh());
  }, [refresh]);
  return (
    <section aria-label="Audit log" className="audit">
      <header className="view-head">
        <h2>Audit log</h2>
        <span className="muted" data-testid="audit-total">
          {count(total, 'entry', 'entries')}
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
