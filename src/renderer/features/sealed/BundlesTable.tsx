import { Fragment } from 'react';
import type { BundleVersionView, SealedStateReport } from '../../../shared/bundles/types';
import { useBundles } from './bundles-store';
import { STATE_BADGE, STATE_MARK, failureOfRefusal, groupBundles, shortKeyId, stateHelp } from './bundles';
import { bytes, count, dateTime } from '../../ui/format';
import { FailureAlert } from './FailureAlert';
import { When } from './RootCard';

const COLUMNS = ['Version (kind)', 'State', 'Active', 'Expires', 'Signers', 'Files', 'Installed (source)', 'Last full verification', 'Details', 'Actions'];

function Details({ b }: { b: BundleVersionView }) {
  return (
    <div className="bundle-details small">
      {b.description && <p className="muted">{b.description}</p>}
      {b.model && (
        <dl className="bundle-meta" aria-label="Model">
          <dt>Model</dt>
          <dd>
            {b.model.role} · {b.model.format}
          </dd>
          <dt>Family</dt>
          <dd>{b.model.family}</dd>
          <dt>Quantization</dt>
          <dd>{b.model.quantization}</dd>
          <dt>Context length</dt>
          <dd>{b.model.contextLength.toLocaleString()}</dd>
          {b.model.embeddingDimension !== null && (
            <>
              <dt>Embedding dimension</dt>
              <dd>{b.model.embeddingDimension}</dd>
            </>
          )}
          <dt>Licence</dt>
          <dd>{b.model.licence}</dd>
        </dl>
      )}
      {b.app && (
        <dl className="bundle-meta" aria-label="App update">
          <dt>App version</dt>
          <dd data-testid="app-version">{b.app.appVersion}</dd>
        </dl>
      )}
      {b.quarantine && (
        <div className="quarantine" data-testid="quarantine">
          <strong className="error">Quarantined</strong> {dateTime(b.quarantine.at)}: {b.quarantine.reason}
          {b.quarantine.path && (
            <>
              <br />
              Path: <span className="mono">{b.quarantine.path}</span>
            </>
          )}
        </div>
      )}
      {!b.description && !b.model && !b.app && !b.quarantine && <span className="muted">—</span>}
    </div>
  );
}

function Actions({ b }: { b: BundleVersionView }) {
  const { op, verify, askActivate } = useBundles();
  const who = `${b.name} ${b.version}`;
  return (
    <div className="row-actions">
      <button type="button" className="secondary small-btn" aria-label={`Verify ${who}`} onClick={() => void verify(b.id)} disabled={op !== null}>
        Verify
      </button>
      {!b.active && b.state !== 'quarantined' && (
        <button type="button" className="small-btn" aria-label={`Make active: ${who}`} onClick={() => askActivate(b)} disabled={op !== null}>
          Make active
        </button>
      )}
    </div>
  );
}

/** The outcome of this version's last verification in this session, on a full-width row under it. */
function ResultRow({ b }: { b: BundleVersionView }) {
  const { verifyResults, verifyFailure } = useBundles();
  const result = verifyResults[b.id];
  const failure = verifyFailure?.id === b.id ? verifyFailure.failure : null;
  if (!result && !failure) return null;
  const who = `${b.name} ${b.version}:`;
  return (
    <tr className="result-row" data-result-for={b.id}>
      <td colSpan={COLUMNS.length}>
        {result &&
          (result.ok ? (
            <span className="ok small" role="status" data-testid="verify-row-result" data-ok="true">
              ✓ {who} {count(result.checkedFiles, 'file')} ({bytes(result.bytes)}) re-hashed in {result.durationMs.toLocaleString()} ms; every file matched.
            </span>
          ) : result.refusal ? (
            <FailureAlert title={`${who} refused`} failure={failureOfRefusal(result.refusal)} testId="verify-row-refusal" />
          ) : (
            <span className="error small" role="alert" data-testid="verify-row-result" data-ok="false">
              ✗ {who} verification failed.
            </span>
          ))}
        {failure && <FailureAlert title={`${who} verification failed`} failure={failure} testId="verify-row-refusal" />}
      </td>
    </tr>
  );
}

function Row({ b, reverifyEveryHours, now }: { b: BundleVersionView; reverifyEveryHours: number; now: number }) {
  return (
    <tr
      className={`bundle-row state-row-${b.state}${b.active ? ' active-row' : ''}`}
      data-bundle-id={b.id}
      data-name={b.name}
      data-version={b.version}
      data-state={b.state}
      data-active={b.active}
    >
      <th scope="row">
        <span className="muted small">{b.name}</span>
        <br />
        <strong>{b.version}</strong>
        <br />
        <span className="small">
          <span data-testid="bundle-kind">{b.kind}</span> <span className="muted">· targets v{b.targetsVersion}</span>
        </span>
      </th>
      <td>
        <span className={`badge ${STATE_BADGE[b.state]}`} title={stateHelp(b.state, reverifyEveryHours)} data-testid="bundle-state">
          <span aria-hidden="true">{STATE_MARK[b.state]} </span>
          {b.state}
        </span>
      </td>
      <td>{b.active ? <span className="badge badge-version">● active</span> : <span className="muted">—</span>}</td>
      <td>
        <When iso={b.expires} now={now} />
      </td>
      <td>
        {b.signers.length ? (
          <ul className="plain-list mono small">
            {b.signers.map((s) => (
              <li key={`${s.role}:${s.keyid}`} title={s.keyid}>
                {shortKeyId(s.keyid)} <span className="muted">({s.role})</span>
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">none</span>
        )}
      </td>
      <td className="num">
        {count(b.files, 'file')}
        <br />
        <span className="muted small">{bytes(b.bytes)}</span>
      </td>
      <td className="small">
        {dateTime(b.installedAt)}
        <br />
        <span className="mono source muted" title={b.source}>
          {b.source}
        </span>
      </td>
      <td className="small">
        <When iso={b.verifiedAt} now={now} />
      </td>
      <td>
        <Details b={b} />
      </td>
      <td>
        <Actions b={b} />
      </td>
    </tr>
  );
}

/** Every installed bundle version, grouped by bundle name (one row group each). */
export function BundlesTable({ report, now }: { report: SealedStateReport; now: number }) {
  const groups = groupBundles(report.bundles);
  return (
    <div className="bundles-wrap">
      <table className="bundles-table" aria-label="Installed bundles" data-testid="installed-bundles">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        {groups.length === 0 ? (
          <tbody>
            <tr>
              <td colSpan={COLUMNS.length} className="muted">
                No bundles installed yet. Install one from a folder or from the sync server above; until then nothing is allowed to run.
              </td>
            </tr>
          </tbody>
        ) : (
          groups.map((g) => (
            <tbody key={g.name} data-bundle={g.name}>
              <tr className="group-row">
                <th scope="rowgroup" colSpan={COLUMNS.length}>
                  {g.name}{' '}
                  <span className="muted small">
                    · {g.versions[0]?.kind} · {g.versions.length} version{g.versions.length === 1 ? '' : 's'}
                  </span>
                </th>
              </tr>
              {g.versions.map((b) => (
                <Fragment key={b.id}>
                  <Row b={b} reverifyEveryHours={report.reverifyEveryHours} now={now} />
                  <ResultRow b={b} />
                </Fragment>
              ))}
            </tbody>
          ))
        )}
      </table>
    </div>
  );
}
