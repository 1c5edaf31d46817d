import { useAudit } from './audit-store';
import { Named, Who } from '../../ui/Who';

export function AuditDetail() {
  const e = useAudit((s) => s.selected);
  if (!e) return <aside className="audit-detail muted">Select an entry to see it in full.</aside>;
  return (
    <aside className="audit-detail" aria-label="Entry detail">
      <h3>Entry #{e.seq}</h3>
      <dl className="figures">
        <div>
          <dt>Time</dt>
          <dd>{e.ts}</dd>
        </div>
        <div>
          <dt>Actor</dt>
          <dd>
            <Who actor={e.actor} />
          </dd>
        </div>
        <div>
          <dt>Action</dt>
          <dd>{e.action}</dd>
        </div>
        <div>
          <dt>Subject</dt>
          <dd>{e.subject ? <Named text={e.subject} /> : '—'}</dd>
        </div>
        <div>
          <dt>Hash</dt>
          <dd className="mono">{e.hash}</dd>
        </div>
        <div>
          <dt>Previous</dt>
          <dd className="mono">{e.prevHash}</dd>
        </div>
      </dl>
      {/* The raw payload is for whoever checks the chain: under a disclosure, not in people's way. */}
      <details className="payload-details">
        <summary>Payload (as recorded)</summary>
        <pre className="payload">{JSON.stringify(e.payload, null, 2)}</pre>
      </details>
    </aside>
  );
}
