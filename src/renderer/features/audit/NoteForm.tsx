import { useState, type FormEvent } from 'react';
import { useAudit } from './audit-store';

export function NoteForm() {
  const addNote = useAudit((s) => s.addNote);
  const [note, setNote] = useState('');
  const [subject, setSubject] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await addNote(note, subject);
      setNote('');
      setSubject('');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="note-form" onSubmit={(e) => void submit(e)} aria-label="Add note">
      <input aria-label="Subject" placeholder="Subject (optional)" value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={200} />
      <input
        aria-label="Note"
        placeholder="Write a note for the audit log"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        maxLength={4000}
        required
        readOnly={busy}
      />
      <button type="submit" disabled={busy}>
        Add note
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
