import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useOutbox } from '../../store/outbox-store';
import { errorMessage } from '../../lib/format';

const MIN_REASON = 3;

/** Discarding is final and audited: confirm, with a reason. */
export function DiscardDialog() {
  const { discarding, askDiscard, discard } = useOutbox();
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (discarding && !d.open) {
      setReason('');
      setError(null);
      d.showModal();
    } else if (!discarding && d.open) d.close();
  }, [discarding]);

  async function confirm(e: FormEvent) {
    e.preventDefault();
    if (!discarding) return;
    setBusy(true);
    setError(null);
    try {
      await discard(discarding.id, reason.trim());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  const ok = reason.trim().length >= MIN_REASON;
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="discard-title" onClose={() => askDiscard(null)}>
      {discarding && (
        <form className="stack" onSubmit={(e) => void confirm(e)}>
          <h3 id="discard-title">Discard this item?</h3>
          <p className="small">
            <span className="mono">{discarding.summary}</span> will never be sent. This is recorded in the audit log.
          </p>
          {discarding.lastError && <p className="muted small">Last error: {discarding.lastError}</p>}
          <label>
            Reason for discarding
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} minLength={MIN_REASON} maxLength={500} rows={3} required autoFocus />
          </label>
          <span className="muted small">At least {MIN_REASON} characters.</span>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="row-actions">
            <button type="button" className="secondary" onClick={() => askDiscard(null)} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className="danger" disabled={!ok || busy}>
              {busy ? 'Discarding…' : 'Discard item'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
