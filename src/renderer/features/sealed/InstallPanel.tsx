import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { AvailableBundle } from '../../../shared/api/types';
import { hostKind } from '../../api/client';
import { useBundles } from './bundles-store';
import { bytes } from '../../ui/format';
import { FailureAlert } from './FailureAlert';

const REFUSAL_TEST_ID = 'install-refusal';

/** Install from a folder: a typed path (the web host cannot open a native folder picker). */
function FolderForm() {
  const { t } = useTranslation('sealed');
  const { op, install } = useBundles();
  const [path, setPath] = useState('');
  function submit(e: FormEvent) {
    e.preventDefault();
    const p = path.trim();
    if (p) void install({ kind: 'path', path: p });
  }
  return (
    <form className="stack" onSubmit={submit} aria-label={t('install.fromFolder')}>
      <label>
        {t('install.pathLabel')}
        <input
          value={path}
          onChange={(e) => setPath(e.target.value)}
          maxLength={4096}
          placeholder={t('install.pathPlaceholder')}
          aria-describedby="bundle-path-hint"
          spellCheck={false}
          autoComplete="off"
        />
      </label>
      <span id="bundle-path-hint" className="muted small">
        {hostKind === 'web' ? t('install.hintWeb') : t('install.hintDesktop')} {t('install.hintVerified')}
      </span>
      <div className="row-actions">
        <button type="submit" disabled={op !== null || !path.trim()}>
          {t('install.fromFolder')}
        </button>
      </div>
    </form>
  );
}

/** Reinstall when this very version is installed here already, else Install. */
const reinstall = (a: AvailableBundle) => a.installed !== null && a.installed === a.version;

/** What the enrolled sync server offers, each with an Install button. */
function ServerList() {
  const { t } = useTranslation('sealed');
  const { op, install, available, availableError, availableLoading, loadAvailable } = useBundles();
  return (
    <section className="stack" aria-label={t('install.fromServer')}>
      <div className="row-actions">
        <strong className="small">{t('install.fromServer')}</strong>
        <button type="button" className="secondary small-btn" onClick={() => void loadAvailable()} disabled={availableLoading}>
          {availableLoading ? t('install.loading') : t('install.refreshList')}
        </button>
      </div>
      {availableError && <p className="muted small">{t('install.listUnavailable', { error: availableError })}</p>}
      {available && available.length === 0 && <p className="muted small">{t('install.noneOffered')}</p>}
      {available && available.length > 0 && (
        <table className="history small" aria-label={t('install.serverBundles')}>
          <thead>
            <tr>
              <th scope="col">{t('install.col.bundle')}</th>
              <th scope="col">{t('install.col.offered')}</th>
              <th scope="col">{t('install.col.installed')}</th>
              <th scope="col">
                <span className="sr-only">{t('install.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {available.map((a) => (
              <tr key={a.name} data-name={a.name}>
                <th scope="row" className="mono">
                  {a.name}
                </th>
                <td>{a.version ?? '—'}</td>
                <td>{a.installed ?? <span className="muted">{t('install.notInstalled')}</span>}</td>
                <td>
                  {a.version === null ? (
                    <span className="muted small">{t('install.nothingOffered')}</span>
                  ) : (
                    <button
                      type="button"
                      className="small-btn"
                      aria-label={reinstall(a) ? t('install.reinstallFromServer', { name: a.name }) : t('install.installFromServer', { name: a.name })}
                      onClick={() => void install({ kind: 'server', name: a.name })}
                      disabled={op !== null}
                      title={op !== null ? t('install.wait') : undefined}
                    >
                      {reinstall(a) ? t('install.reinstall') : t('install.install')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The last install's outcome: what was installed, or the refusal (code, sentence, message). */
export function InstallOutcome() {
  const { t } = useTranslation('sealed');
  const { installResult: r, installFailure, clearInstall } = useBundles();
  if (!r && !installFailure) return null;
  return (
    <div className="install-outcome stack" data-testid="install-outcome">
      {r && (
        <div className="capture-result small" role="status" data-testid="install-result" data-activated={r.activated}>
          <Trans
            t={t}
            i18nKey="outcome.installed"
            values={{
              name: r.bundle.name,
              version: r.bundle.version,
              kind: r.bundle.kind,
              targetsVersion: r.bundle.targetsVersion,
              files: r.bundle.files,
              size: bytes(r.bundle.bytes),
              ms: r.durationMs,
            }}
            components={{ strong: <strong /> }}
          />{' '}
          {r.activated ? t('outcome.nowActive') : t('outcome.activeUnchanged')}
          {r.rootRotatedTo !== null && <> {t('outcome.rootRotated', { version: r.rootRotatedTo })}</>}
        </div>
      )}
      {installFailure && (
        <FailureAlert title={installFailure.refusal ? t('outcome.refused') : t('outcome.failed')} failure={installFailure} testId={REFUSAL_TEST_ID} />
      )}
      <div>
        <button type="button" className="secondary small-btn" onClick={clearInstall}>
          {t('outcome.dismiss')}
        </button>
      </div>
    </div>
  );
}

/** Installing a sealed bundle: from a folder, or from the sync server. */
export function InstallPanel() {
  const { t } = useTranslation('sealed');
  return (
    <article className="card stack" aria-label={t('install.title')}>
      <header className="card-head">
        <strong>{t('install.title')}</strong>
      </header>
      <FolderForm />
      <ServerList />
    </article>
  );
}
