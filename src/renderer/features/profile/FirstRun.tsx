import { useState, type FormEvent } from 'react';
import { useApp } from '../../app-store';
import { RestorePanel } from '../backup/BackupPanels';

export function FirstRun() {
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
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="center first-run-page">
      <form className="card first-run" onSubmit={(e) => void submit(e)} aria-label="First run">
        <h1>Welcome to Maestro</h1>
        <p className="muted">
          Set up the local profile for this device. Everything stays on this device; you are a <strong>field</strong> user until the device is enrolled with
          your organisation.
        </p>
        <label>
          Your name
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} autoFocus />
        </label>
        <label>
          Tenant (organisation id)
          <input
            name="tenant"
            value={tenant}
            onChange={(e) => setTenant(e.target.value)}
            required
            maxLength={64}
            pattern="[a-zA-Z0-9][a-zA-Z0-9._\-]*"
            placeholder="acme-field"
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create profile'}
        </button>
      </form>
      <RestorePanel />
    </div>
  );
}
