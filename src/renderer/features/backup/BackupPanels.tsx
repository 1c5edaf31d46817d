// Settings → Back up this device, and First run → Restore from a backup.
import { useState, type FormEvent } from 'react';
import { bytes as formatBytes, count } from '../../ui/format';
import { useBackup, type BackupOp } from './backup-store';

function Progress({ op }: { op: BackupOp }) {
  const pct = op.total > 0 ? Math.round((100 * op.done) / op.total) : 0;
  return (
    <div className="progress-line">
      <progress max={100} value={pct} aria-label={op.kind === 'backup' ? 'Backup progress' : 'Restore progress'} />
      <span className="muted small" aria-live="polite">
        {op.total > 0 ? `${formatBytes(op.done)} of ${formatBytes(op.total)}` : 'Starting…'}
      </span>
    </div>
  );
}

export function BackupPanel() {
  const { running, made, error, backUp } = useBackup();
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = again.length > 0 && pass !== again;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!mismatch) void backUp(pass);
  };
  return (
    <form className="card" aria-label="Back up this device" onSubmit={submit}>
      <h3>Back up this device</h3>
      <p className="muted">
        One encrypted file with this device’s data, attachments and keys, for moving to a new laptop or recovering from a lost one. Keep the passphrase apart
        from the file: without it the backup cannot be opened, and with it anyone can.
      </p>
      <label>
        Passphrase (at least 8 characters)
        <input
          type="password"
          name="backup-passphrase"
          value={pass}
          minLength={8}
          required
          onChange={(e) => setPass(e.target.value)}
          autoComplete="new-password"
        />
      </label>
      <label>
        Passphrase again
        <input type="password" name="backup-passphrase-again" value={again} required onChange={(e) => setAgain(e.target.value)} autoComplete="new-password" />
      </label>
      {pass.length > 0 && pass.length < 8 && (
        <p className="error" data-testid="passphrase-short">
          The passphrase is too short: {pass.length} of at least 8 characters.
        </p>
      )}
      {mismatch && <p className="error">The two passphrases differ.</p>}
      {running?.kind === 'backup' && <Progress op={running} />}
      {error && !running && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {made && !running && (
        <p role="status" data-backup-path={made.path}>
          Backup written: <code>{made.path}</code> ({formatBytes(made.bytes)}, {count(made.summary.attachments, 'attachment')},{' '}
          {count(made.summary.unsent, 'item')} not yet sent).
        </p>
      )}
      <button type="submit" disabled={!!running || mismatch || pass.length < 8}>
        {running?.kind === 'backup' ? 'Backing up…' : 'Back up now'}
      </button>
    </form>
  );
}

export function RestorePanel() {
  const { running, restored, error, restore } = useBackup();
  const [path, setPath] = useState('');
  const [pass, setPass] = useState('');
  if (restored)
    return (
      <div className="card" role="status" aria-label="Restore ready">
        <h3>Backup checked and restored</h3>
        <p>
          The backup of {restored.device ?? 'this device'} ({restored.tenant ?? 'no tenant'}, made {new Date(restored.createdAt).toLocaleString()}) was
          verified. Restart Maestro to finish: it continues with {count(restored.unsent, 'item')} still to send.
        </p>
      </div>
    );
  return (
    <form
      className="card"
      aria-label="Restore from a backup"
      onSubmit={(e) => {
        e.preventDefault();
        void restore(path.trim(), pass);
      }}
    >
      <h3>Restore from a backup</h3>
      <p className="muted">Moving from another laptop? Restore its backup here instead of creating a new profile.</p>
      <label>
        Backup file (full path)
        <input name="restore-path" value={path} required onChange={(e) => setPath(e.target.value)} placeholder="/home/me/maestro-backup.mbak" />
      </label>
      <label>
        Passphrase
        <input type="password" name="restore-passphrase" value={pass} minLength={8} required onChange={(e) => setPass(e.target.value)} />
      </label>
      {running?.kind === 'restore' && <Progress op={running} />}
      {error && !running && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={!!running}>
        {running?.kind === 'restore' ? 'Checking…' : 'Restore'}
      </button>
    </form>
  );
}
