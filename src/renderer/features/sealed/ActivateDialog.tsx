import { Trans, useTranslation } from 'react-i18next';
import { useBundles } from './bundles-store';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { dateTime } from '../../ui/format';
import { stateWord } from './bundles';

const TEST_ID = 'activate-dialog';

/** Making an earlier version active again (a rollback) is audited: confirm, with a reason. */
export function ActivateDialog() {
  const { t } = useTranslation('sealed');
  const { activating, askActivate, activate, report } = useBundles();
  const current = activating ? report?.bundles.find((b) => b.name === activating.name && b.active) : undefined;
  return (
    <ReasonDialog
      open={activating !== null}
      title={activating ? t('activate.title', { name: activating.name, version: activating.version }) : t('activate.titleAny')}
      reasonLabel={t('activate.reason')}
      confirmLabel={t('activate.confirm')}
      busyLabel={t('activate.busy')}
      testId={TEST_ID}
      onCancel={() => askActivate(null)}
      onConfirm={(reason) => activate(activating!.id, reason)}
    >
      {activating && (
        <>
          <p className="small">
            <Trans
              t={t}
              i18nKey="activate.what"
              values={{
                name: activating.name,
                version: activating.version,
                targetsVersion: activating.targetsVersion,
                installed: dateTime(activating.installedAt),
                state: stateWord(activating.state),
              }}
              components={{ strong: <strong />, muted: <span className="muted" /> }}
            />
          </p>
          <p className="small">
            {current ? (
              <Trans t={t} i18nKey="activate.current" values={{ name: current.name, version: current.version }} components={{ strong: <strong /> }} />
            ) : (
              t('activate.noneActive')
            )}{' '}
            {t('activate.audited')}
          </p>
        </>
      )}
    </ReasonDialog>
  );
}
