import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from './format';

const MIN_REASON = 3;

interface Props {
  /** Open while true; the dialog is modal. */
  open: boolean;
  title: string;
  /** What will happen, shown above the reason. */
  children: ReactNode;
  reasonLabel: string;
  confirmLabel: string;
  busyLabel: string;
  danger?: boolean;
  /** Extra confirmation (e.g. typing a name); the confirm button stays disabled while false. */
  extraOk?: boolean;
  extra?: ReactNode;
  testId?: string;
  onCancel(): void;
  /** Runs the action; a thrown error is shown in the dialog and the dialog stays open. */
  onConfirm(reason: string): Promise<void>;
}

/** A modal confirmation that needs a reason (3-500 characters), shared by every audited, destructive action. */
export function ReasonDialog(p: Props) {
  const { t } = useTranslation('ui');
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) {
      setReason('');
      setError(null);
      d.showModal();
    } else if (!p.open && d.open) d.close();
  }, [p.open]);

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await p.onConfirm(reason.trim());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  const ok = reason.trim().length >= MIN_REASON && p.extraOk !== false;
  const titleId = `${p.testId ?? 'reason'}-title`;
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={p.onCancel} data-testid={p.testId}>
      {p.open && (
        <form className="stack" onSubmit={(e) => void confirm(e)}>
          <h3 id={titleId}>{p.title}</h3>
          {p.children}
          <label>
            {p.reasonLabel}
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} minLength={MIN_REASON} maxLength={500} rows={3} required autoFocus />
          </label>
          <span className="muted small">{t('reason.minLength', { n: MIN_REASON })}</span>
          {p.extra}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="row-actions">
            <button type="button" className="secondary" onClick={p.onCancel} disabled={busy}>
              {t('reason.cancel')}
            </button>
            <button type="submit" className={p.danger ? 'danger' : ''} disabled={!ok || busy}>
              {busy ? p.busyLabel : p.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
