import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { useApp } from '../../app-store';
import { errorMessage } from '../../ui/format';
import { RestorePanel } from '../backup/BackupPanels';

export function FirstRun() {
  const { t } = useTranslation('profile');
  const setup = useApp((s) => s.setup);
  const [name, setName] = useState('');
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await setup(name, tenant.trim().toLowerCase());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="center first-run-page">
      <form className="card first-run" onSubmit={(e) => void submit(e)} aria-label={t('firstRun.label')}>
        <h1>{t('firstRun.title')}</h1>
        <p className="muted">
          <Trans t={t} i18nKey="firstRun.lead" components={{ strong: <strong /> }} />
        </p>
        <label>
          {t('firstRun.name')}
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} autoFocus />
        </label>
        <label>
          {t('firstRun.tenant')}
          <input
            name="tenant"
            value={tenant}
            onChange={(e) => setTenant(e.target.value)}
            required
            maxLength={64}
            pattern="[a-zA-Z0-9][a-zA-Z0-9._\-]*"
            placeholder={t('firstRun.tenantExample')}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('firstRun.creating') : t('firstRun.create')}
        </button>
      </form>
      <RestorePanel />
    </div>
  );
}
