import { useBundles } from './bundles-store';
import { hostKind } from '../../api/client';

const STATE_TEXT = {
  none: 'Up to date.',
  available: 'An update is available.',
  downloading: 'Downloading the update…',
  ready: 'The update is ready: restart Maestro to finish.',
  error: 'The update failed.',
} as const;

/** The app-update status (only ever from a verified app-update bundle); installing is in the banner. */
export function UpdateCard() {
  const { update, updateError, checkUpdate } = useBundles();
  return (
    <article className="card stack" aria-label="App update" data-testid="update-card" data-state={update?.state ?? 'unknown'}>
      <header className="card-head">
        <strong>App update</strong>
        {update && <span className={`badge ${update.available ? 'badge-warn' : 'badge-ok'}`}>{update.state}</span>}
      </header>
      {update ? (
        <>
          <p className="small">
            This is Maestro {update.current}. {STATE_TEXT[update.state]}
          </p>
          {update.available && (
            <p className="small">
              Version <strong>{update.available.version}</strong> is signed and verified.
              {!update.canInstall &&
                (hostKind === 'web' ? ' The web host only shows that it exists: install it on the desktop app.' : ' It cannot be installed from here.')}
            </p>
          )}
          {update.available?.releaseNotes && <p className="small muted release-notes">{update.available.releaseNotes}</p>}
          {update.error && <p className="small error">{update.error}</p>}
        </>
      ) : (
        !updateError && <p className="small muted">Checking…</p>
      )}
      {updateError && <p className="small error">Update status unavailable: {updateError}</p>}
      <div className="row-actions">
        <button type="button" className="secondary small-btn" onClick={() => void checkUpdate()}>
          Check for updates
        </button>
      </div>
    </article>
  );
}
