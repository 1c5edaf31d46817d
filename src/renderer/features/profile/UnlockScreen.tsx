// Shown when the app started locked (no OS keychain answered, no MAESTRO_VAULT_PASSPHRASE): the vault
// passphrase opens the encrypted database. A new vault asks for a passphrase twice; a wrong one says so
// and keeps the screen. On success the page reloads into the open app.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { ApiError } from '../../../shared/errors';
import { errorMessage } from '../../ui/format';

const MIN_NEW = 8;

export function UnlockScreen({ vault }: { vault: 'new' | 'existing' }) {
  const { t } = useTranslation('profile');
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const isNew = vault === 'new';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (isNew && pass.length < MIN_NEW) return setError(t('unlock.tooShort', { n: MIN_NEW }));
    if (isNew && pass !== again) return setError(t('unlock.differ'));
    setBusy(true);
    try {
      await call('system.unlock', { passphrase: pass });
      window.location.reload();
    } catch (err) {
      const wrong = err instanceof ApiError && err.code === 'UNAUTHORIZED';
      setError(wrong ? t('unlock.wrong') : errorMessage(err));
      setPass('');
      setBusy(false);
    }
  }

  return (
    <div className="center first-run-page">
      <form className="card first-run" onSubmit={(e) => void submit(e)} aria-label={t('unlock.label')}>
        <h1>{isNew ? t('unlock.newTitle') : t('unlock.title')}</h1>
        <p className="muted">{isNew ? t('unlock.newLead') : t('unlock.lead')}</p>
        <label>
          {isNew ? t('unlock.newPassphrase') : t('unlock.passphrase')}
          <input
            name="passphrase"
            type="password"
            value={pass}
            onChange={(e) => setPass(e.target.value)}
            required
            maxLength={1024}
            autoFocus
            autoComplete="off"
          />
        </label>
        {isNew && (
          <label>
            {t('unlock.again')}
            <input
              name="passphrase-again"
              type="password"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
              required
              maxLength={1024}
              autoComplete="off"
            />
          </label>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('unlock.opening') : isNew ? t('unlock.setAndStart') : t('unlock.unlock')}
        </button>
      </form>
    </div>
  );
}
