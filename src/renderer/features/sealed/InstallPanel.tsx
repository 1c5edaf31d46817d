import { useState, type FormEvent } from 'react';
import type { AvailableBundle } from '../../../shared/api/types';
import { hostKind } from '../../api/client';
import { useBundles } from './bundles-store';
import { bytes, count } from '../../ui/format';
import { FailureAlert } from './FailureAlert';

/** Install from a folder: a typed path (the web host cannot open a native folder picker). */
function FolderForm() {
  const { op, install } = useBundles();
  const [path, setPath] = useState('');
  function submit(e: FormEvent) {
    e.preventDefault();
    const p = path.trim();
    if (p) void install({ kind: 'path', path: p });
  }
  return (
    <form className="stack" onSubmit={submit} aria-label="Install from folder">
      <label>
        Bundle folder path
        <input
          value={path}
          onChange={(e) => setPath(e.target.value)}
          maxLength={4096}
          placeholder="/media/usb/maestro.policy"
          aria-describedby="bundle-path-hint"
          spellCheck={false}
          autoComplete="off"
        />
      </label>
      <span id="bundle-path-hint" className="muted small">
        {hostKind === 'web'
          ? 'The web host cannot open a folder picker: type the path of the bundle folder (holding metadata/ and targets/) as the machine running Maestro sees it.'
          : 'Type the path of the bundle folder (holding metadata/ and targets/), e.g. on a USB stick or a share.'}{' '}
        Everything is verified against the trusted root before anything is installed.
      </span>
      <div className="row-actions">
        <button type="submit" disabled={op !== null || !path.trim()}>
          Install from folder
        </button>
      </div>
    </form>
  );
}

const verb = (a: AvailableBundle) => (a.installed !== null && a.installed === a.version ? 'Reinstall' : 'Install');

/** What the enrolled sync server offers, each with an Install button. */
function ServerList() {
  const { op, install, available, availableError, availableLoading, loadAvailable } = useBundles();
  return (
    <section className="stack" aria-label="Install from server">
      <div className="row-actions">
        <strong className="small">Install from server</strong>
        <button type="button" className="secondary small-btn" onClick={() => void loadAvailable()} disabled={availableLoading}>
          {availableLoading ? 'Loading…' : 'Refresh server list'}
        </button>
      </div>
      {availableError && <p className="muted small">Server list unavailable: {availableError}</p>}
      {available && available.length === 0 && <p className="muted small">The server offers no bundles.</p>}
      {available && available.length > 0 && (
        <table className="history small" aria-label="Server bundles">
          <thead>
            <tr>
              <th scope="col">Bundle</th>
              <th scope="col">Offered</th>
              <th scope="col">Installed here</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
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
                <td>{a.installed ?? <span className="muted">not installed</span>}</td>
                <td>
                  {a.version === null ? (
                    <span className="muted small">nothing offered to install</span>
                  ) : (
                    <button
                      type="button"
                      className="small-btn"
                      aria-label={`${verb(a)} ${a.name} from server`}
                      onClick={() => void install({ kind: 'server', name: a.name })}
                      disabled={op !== null}
                      title={op !== null ? 'Wait for the operation under way to finish' : undefined}
                    >
                      {verb(a)}
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
  const { installResult: r, installFailure, clearInstall } = useBundles();
  if (!r && !installFailure) return null;
  return (
    <div className="install-outcome stack" data-testid="install-outcome">
      {r && (
        <div className="capture-result small" role="status" data-testid="install-result" data-activated={r.activated}>
          <strong>
            Installed {r.bundle.name} {r.bundle.version}
          </strong>{' '}
          ({r.bundle.kind}, targets v{r.bundle.targetsVersion}): {count(r.bundle.files, 'file')}, {bytes(r.bundle.bytes)}, verified in{' '}
          {r.durationMs.toLocaleString()} ms. {r.activated ? 'It is now the active version.' : 'The active version did not change.'}
          {r.rootRotatedTo !== null && <> The trusted root rotated to v{r.rootRotatedTo}.</>}
        </div>
      )}
      {installFailure && (
        <FailureAlert title={installFailure.refusal ? 'Install refused:' : 'Install failed:'} failure={installFailure} testId="install-refusal" />
      )}
      <div>
        <button type="button" className="secondary small-btn" onClick={clearInstall}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

/** Installing a sealed bundle: from a folder, or from the sync server. */
export function InstallPanel() {
  return (
    <article className="card stack" aria-label="Install a bundle">
      <header className="card-head">
        <strong>Install a bundle</strong>
      </header>
      <FolderForm />
      <ServerList />
    </article>
  );
}
