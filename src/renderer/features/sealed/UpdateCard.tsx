import { Trans, useTranslation } from 'react-i18next';
import { useBundles } from './bundles-store';
import { hostKind } from '../../api/client';

/** The app-update status (only ever from a verified app-update bundle); installing is in the banner. */
export function UpdateCard() {
  const { t } = useTranslation('sealed');
  const { update, updateError, checkUpdate } = useBundles();
  return (
    <article className="card stack" aria-label={t('update.title')} data-testid="update-card" data-state={update?.state ?? 'unknown'}>
      <header className="card-head">
        <strong>{t('update.title')}</strong>
        {update && <span className={`badge ${update.available ? 'badge-warn' : 'badge-ok'}`}>{t(`update.state.${update.state}`)}</span>}
      </header>
      {update ? (
        <>
          <p className="small">
            {t('update.current', { current: update.current })} {t(`update.stateText.${update.state}`)}
          </p>
          {update.available && (
            <p className="small">
              <Trans t={t} i18nKey="update.signed" values={{ version: update.available.version }} components={{ strong: <strong /> }} />
              {!update.canInstall && <> {hostKind === 'web' ? t('update.webOnly') : t('update.cannotInstall')}</>}
            </p>
          )}
          {update.available?.releaseNotes && <p className="small muted release-notes">{update.available.releaseNotes}</p>}
          {update.error && <p className="small error">{update.error}</p>}
        </>
      ) : (
        !updateError && <p className="small muted">{t('update.checking')}</p>
      )}
      {updateError && <p className="small error">{t('update.unavailable', { error: updateError })}</p>}
      <div className="row-actions">
        <button type="button" className="secondary small-btn" onClick={() => void checkUpdate()}>
          {t('update.check')}
        </button>
      </div>
    </article>
  );
}
