import { Fragment } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { BundleVersionView, SealedStateReport } from '../../../shared/bundles/types';
import { useBundles } from './bundles-store';
import { STATE_BADGE, STATE_MARK, failureOfRefusal, groupBundles, shortKeyId, stateHelp, stateWord } from './bundles';
import { bytes, dateTime, num } from '../../ui/format';
import { FailureAlert } from './FailureAlert';
import { storedErrorText } from '../../ui/error-words';
import { When } from './RootCard';

const REFUSAL_TEST_ID = 'verify-row-refusal';

/** Column header keys (table.col.*). */
const COLUMNS = ['version', 'state', 'active', 'expires', 'signers', 'files', 'installed', 'verified', 'details', 'actions'];

function Details({ b }: { b: BundleVersionView }) {
  const { t } = useTranslation('sealed');
  return (
    <div className="bundle-details small">
      {b.description && <p className="muted">{b.description}</p>}
      {b.model && (
        <dl className="bundle-meta" aria-label={t('details.model')}>
          <dt>{t('details.model')}</dt>
          <dd>
            {b.model.role} · {b.model.format}
          </dd>
          <dt>{t('details.family')}</dt>
          <dd>{b.model.family}</dd>
          <dt>{t('details.quantization')}</dt>
          <dd>{b.model.quantization}</dd>
          <dt>{t('details.contextLength')}</dt>
          <dd>{num(b.model.contextLength)}</dd>
          {b.model.embeddingDimension !== null && (
            <>
              <dt>{t('details.embeddingDimension')}</dt>
              <dd>{b.model.embeddingDimension}</dd>
            </>
          )}
          <dt>{t('details.licence')}</dt>
          <dd>{b.model.licence}</dd>
        </dl>
      )}
      {b.app && (
        <dl className="bundle-meta" aria-label={t('details.appUpdate')}>
          <dt>{t('details.appVersion')}</dt>
          <dd data-testid="app-version">{b.app.appVersion}</dd>
        </dl>
      )}
      {b.quarantine && (
        <div className="quarantine" data-testid="quarantine">
          <Trans
            t={t}
            i18nKey="details.quarantined"
            values={{ at: dateTime(b.quarantine.at), reason: storedErrorText(b.quarantine.reason) }}
            components={{ strong: <strong className="error" /> }}
          />
          {b.quarantine.path && (
            <>
              <br />
              <Trans t={t} i18nKey="details.quarantinePath" values={{ path: b.quarantine.path }} components={{ mono: <span className="mono" /> }} />
            </>
          )}
        </div>
      )}
      {!b.description && !b.model && !b.app && !b.quarantine && <span className="muted">—</span>}
    </div>
  );
}

function Actions({ b }: { b: BundleVersionView }) {
  const { t } = useTranslation('sealed');
  const { op, verify, askActivate } = useBundles();
  const who = { name: b.name, version: b.version };
  return (
    <div className="row-actions">
      <button type="button" className="secondary small-btn" aria-label={t('actions.verifyLabel', who)} onClick={() => void verify(b.id)} disabled={op !== null}>
        {t('actions.verify')}
      </button>
      {!b.active && b.state !== 'quarantined' && (
        <button type="button" className="small-btn" aria-label={t('actions.activateLabel', who)} onClick={() => askActivate(b)} disabled={op !== null}>
          {t('actions.activate')}
        </button>
      )}
    </div>
  );
}

/** The outcome of this version's last verification in this session, on a full-width row under it. */
function ResultRow({ b }: { b: BundleVersionView }) {
  const { t } = useTranslation('sealed');
  const { verifyResults, verifyFailure } = useBundles();
  const result = verifyResults[b.id];
  const failure = verifyFailure?.id === b.id ? verifyFailure.failure : null;
  if (!result && !failure) return null;
  const who = { name: b.name, version: b.version };
  return (
    <tr className="result-row" data-result-for={b.id}>
      <td colSpan={COLUMNS.length}>
        {result &&
          (result.ok ? (
            <span className="ok small" role="status" data-testid="verify-row-result" data-ok="true">
              {t('result.ok', { ...who, files: result.checkedFiles, size: bytes(result.bytes), ms: result.durationMs })}
            </span>
          ) : result.refusal ? (
            <FailureAlert title={t('result.refused', who)} failure={failureOfRefusal(result.refusal)} testId={REFUSAL_TEST_ID} />
          ) : (
            <span className="error small" role="alert" data-testid="verify-row-result" data-ok="false">
              {t('result.failed', who)}
            </span>
          ))}
        {failure && <FailureAlert title={t('result.failedTitle', who)} failure={failure} testId={REFUSAL_TEST_ID} />}
      </td>
    </tr>
  );
}

function Row({ b, reverifyEveryHours, now }: { b: BundleVersionView; reverifyEveryHours: number; now: number }) {
  const { t } = useTranslation('sealed');
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
          <span data-testid="bundle-kind">{b.kind}</span> <span className="muted">{t('row.targets', { version: b.targetsVersion })}</span>
        </span>
      </th>
      <td>
        <span className={`badge ${STATE_BADGE[b.state]}`} title={stateHelp(b.state, reverifyEveryHours)} data-testid="bundle-state">
          <span aria-hidden="true">{STATE_MARK[b.state]} </span>
          {stateWord(b.state)}
        </span>
      </td>
      <td>{b.active ? <span className="badge badge-version">{t('row.active')}</span> : <span className="muted">—</span>}</td>
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
          <span className="muted">{t('row.noSigners')}</span>
        )}
      </td>
      <td className="num">
        {t('row.files', { n: b.files })}
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
  const { t } = useTranslation('sealed');
  const groups = groupBundles(report.bundles);
  return (
    <div className="bundles-wrap">
      <table className="bundles-table" aria-label={t('table.label')} data-testid="installed-bundles">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c} scope="col">
                {t(`table.col.${c}`)}
              </th>
            ))}
          </tr>
        </thead>
        {groups.length === 0 ? (
          <tbody>
            <tr>
              <td colSpan={COLUMNS.length} className="muted">
                {t('table.empty')}
              </td>
            </tr>
          </tbody>
        ) : (
          groups.map((g) => (
            <tbody key={g.name} data-bundle={g.name}>
              <tr className="group-row">
                <th scope="rowgroup" colSpan={COLUMNS.length}>
                  {g.name} <span className="muted small">{t('table.groupSummary', { kind: g.versions[0]?.kind ?? '', n: g.versions.length })}</span>
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
