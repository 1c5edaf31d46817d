// Settings → Back up this device, and First run → Restore from a backup.
import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { bytes as formatBytes, dateTime } from '../../ui/format';
import { useBackup, type BackupOp } from './backup-store';

function Progress({ op }: { op: BackupOp }) {
  const { t } = useTranslation('backup');
  const pct = op.total > 0 ? Math.round((100 * op.done) / op.total) : 0;
  return (
    <div className="progress-line">
      <progress max={100} value={pct} aria-label={op.kind === 'backup' ? t('progress.backup') : t('progress.restore')} />
      <span className="muted small" aria-live="polite">
        {op.total > 0 ? t('progress.amount', { done: formatBytes(op.done), total: formatBytes(op.total) }) : t('progress.starting')}
      </span>
    </div>
  );
}

export function BackupPanel() {
  const { t } = useTranslation('backup');
  const { running, made, error, backUp } = useBackup();
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = again.length > 0 && pass !== again;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!mismatch) void backUp(pass);
  };
  return (
    <form className="card" aria-label={t('backup.title')} onSubmit={submit}>
      <h3>{t('backup.title')}</h3>
      <p className="muted">{t('backup.intro')}</p>
      <label>
        {t('backup.passphrase')}
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
        {t('backup.passphraseAgain')}
        <input type="password" name="backup-passphrase-again" value={again} required onChange={(e) => setAgain(e.target.value)} autoComplete="new-password" />
      </label>
      {pass.length > 0 && pass.length < 8 && (
        <p className="error" data-testid="passphrase-short">
          {t('backup.tooShort', { length: pass.length })}
        </p>
      )}
      {mismatch && <p className="error">{t('backup.differ')}</p>}
      {running?.kind === 'backup' && <Progress op={running} />}
      {error && !running && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {made && !running && (
        <p role="status" data-backup-path={made.path}>
          <Trans
            t={t}
            i18nKey="backup.written"
            values={{ path: made.path, size: formatBytes(made.bytes), attachments: made.summary.attachments, unsent: made.summary.unsent }}
            components={{ code: <code /> }}
          />
        </p>
      )}
      <button type="submit" disabled={!!running || mismatch || pass.length < 8}>
        {running?.kind === 'backup' ? t('backup.running') : t('backup.submit')}
      </button>
    </form>
  );
}

export function RestorePanel() {
  const { t } = useTranslation('backup');
  const { running, restored, error, restore } = useBackup();
  const [path, setPath] = useState('');
  const [pass, setPass] = useState('');
  if (restored)
    return (
      <div className="card" role="status" aria-label={t('restore.ready')}>
        <h3>{t('restore.done')}</h3>
        <p>
          {t('restore.doneText', {
            device: restored.device ?? t('restore.thisDevice'),
            tenant: restored.tenant ?? t('restore.noTenant'),
            made: dateTime(restored.createdAt),
            unsent: restored.unsent,
          })}
        </p>
      </div>
    );
  return (
    <form
      className="card"
      aria-label={t('restore.title')}
      onSubmit={(e) => {
        e.preventDefault();
        void restore(path.trim(), pass);
      }}
    >
      <h3>{t('restore.title')}</h3>
      <p className="muted">{t('restore.intro')}</p>
      <label>
        {t('restore.file')}
        <input name="restore-path" value={path} required onChange={(e) => setPath(e.target.value)} placeholder={t('restore.filePlaceholder')} />
      </label>
      <label>
        {t('restore.passphrase')}
        <input type="password" name="restore-passphrase" value={pass} minLength={8} required onChange={(e) => setPass(e.target.value)} />
      </label>
      {running?.kind === 'restore' && <Progress op={running} />}
      {error && !running && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={!!running}>
        {running?.kind === 'restore' ? t('restore.running') : t('restore.submit')}
      </button>
    </form>
  );
}
