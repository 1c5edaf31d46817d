import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useOutbox } from './outbox-store';
import { errorMessage } from '../../ui/format';

const VAULT_MIN = 8;

/** No OS keychain: the passphrase vault must be unlocked (or created) before sync can sign and seal. */
export function UnlockForm() {
  const { t } = useTranslation('outbox');
  const unlock = useOutbox((s) => s.unlock);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await unlock(passphrase);
      setPassphrase('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="stack" aria-label={t('unlock.label')} onSubmit={(e) => void submit(e)}>
      <p className="small">{t('unlock.intro', { min: VAULT_MIN })}</p>
      <label>
        {t('unlock.passphrase')}
        <input
          type="password"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
          minLength={VAULT_MIN}
          maxLength={1024}
          required
          autoComplete="current-password"
        />
      </label>
      {passphrase.length > 0 && passphrase.length < VAULT_MIN && (
        <p className="small muted" role="status">
          {t('unlock.more', { n: VAULT_MIN - passphrase.length })}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || passphrase.length < VAULT_MIN}>
        {busy ? t('unlock.busy') : t('unlock.submit')}
      </button>
    </form>
  );
}
