import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useAudit } from './audit-store';
import { errorMessage } from '../../ui/format';

export function NoteForm() {
  const { t } = useTranslation('audit');
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
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="note-form" onSubmit={(e) => void submit(e)} aria-label={t('note.formLabel')}>
      <input
        aria-label={t('note.subject')}
        placeholder={t('note.subjectPlaceholder')}
        value={subject}
        onChange={(e) => setSubject(e.target.value)}
        maxLength={200}
      />
      <input
        aria-label={t('note.note')}
        placeholder={t('note.notePlaceholder')}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        maxLength={4000}
        required
        readOnly={busy}
      />
      <button type="submit" disabled={busy}>
        {t('note.add')}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
