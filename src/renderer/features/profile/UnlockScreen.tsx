// Shown when the app started locked (no OS keychain answered, no MAESTRO_VAULT_PASSPHRASE): the vault
// passphrase opens the encrypted database. A new vault asks for a passphrase twice; a wrong one says so
// and keeps the screen. On success the page reloads into the open app.
import { useState, type FormEvent } from 'react';
import { call } from '../../api/client';
import { ApiError } from '../../../shared/errors';

const MIN_NEW = 8;

export function UnlockScreen({ vault }: { vault: 'new' | 'existing' }) {
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const isNew = vault === 'new';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (isNew && pass.length < MIN_NEW) return setError(`Choose a passphrase of at least ${MIN_NEW} characters.`);
    if (isNew && pass !== again) return setError('The two passphrases are not the same.');
    setBusy(true);
    try {
      await call('system.unlock', { passphrase: pass });
      window.location.reload();
    } catch (err) {
      const wrong = err instanceof ApiError && err.code === 'UNAUTHORIZED';
      setError(wrong ? 'That passphrase does not open this device’s data. Try again.' : (err as Error).message);
      setPass('');
      setBusy(false);
    }
  }

  return (
    <div className="center first-run-page">
      <form className="card first-run" onSubmit={(e) => void submit(e)} aria-label="Unlock Maestro">
        <h1>{isNew ? 'Protect this device’s data' : 'Unlock Maestro'}</h1>
        <p className="muted">
          {isNew
            ? 'This computer has no keychain Maestro can use, so its data is locked with a passphrase you choose. You will type it each time Maestro starts; without it the data cannot be opened.'
            : 'This computer has no keychain Maestro can use. Type the passphrase chosen when Maestro was set up here to open its data.'}
        </p>
        <label>
          {isNew ? 'New passphrase' : 'Passphrase'}
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
            The same passphrase again
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
          {busy ? 'Opening…' : isNew ? 'Set passphrase and start' : 'Unlock'}
        </button>
      </form>
    </div>
  );
}
