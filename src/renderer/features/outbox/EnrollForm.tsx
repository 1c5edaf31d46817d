import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useOutbox } from './outbox-store';
import { errorMessage } from '../../ui/format';

const DEFAULT_SERVER_URL = 'http://127.0.0.1:8787';

/** Enroll this device with a one-time token an admin created on the sync server. */
export function EnrollForm({ disabledReason }: { disabledReason?: string }) {
  const { t } = useTranslation('outbox');
  const enroll = useOutbox((s) => s.enroll);
  const [serverUrl, setServerUrl] = useState(DEFAULT_SERVER_URL);
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await enroll(serverUrl.trim(), token.trim());
      setToken('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="stack" aria-label={t('enroll.label')} onSubmit={(e) => void submit(e)}>
      <p className="muted small">{t('enroll.intro')}</p>
      <label>
        {t('enroll.serverUrl')}
        <input type="url" value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} required maxLength={300} />
      </label>
      <label>
        {t('enroll.token')}
        <input value={token} onChange={(e) => setToken(e.target.value)} required minLength={16} maxLength={200} autoComplete="off" spellCheck={false} />
      </label>
      {disabledReason && <p className="muted small">{disabledReason}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || !!disabledReason}>
        {busy ? t('enroll.busy') : t('enroll.submit')}
      </button>
    </form>
  );
}
