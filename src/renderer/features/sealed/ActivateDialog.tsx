import { useBundles } from './bundles-store';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { dateTime } from '../../ui/format';

/** Making an earlier version active again (a rollback) is audited: confirm, with a reason. */
export function ActivateDialog() {
  const { activating, askActivate, activate, report } = useBundles();
  const current = activating ? report?.bundles.find((b) => b.name === activating.name && b.active) : undefined;
  return (
    <ReasonDialog
      open={activating !== null}
      title={activating ? `Make ${activating.name} ${activating.version} active?` : 'Make this version active?'}
      reasonLabel="Reason"
      confirmLabel="Make this version active"
      busyLabel="Verifying and activating…"
      testId="activate-dialog"
      onCancel={() => askActivate(null)}
      onConfirm={(reason) => activate(activating!.id, reason)}
    >
      {activating && (
        <>
          <p className="small">
            <strong>
              {activating.name} {activating.version}
            </strong>{' '}
            <span className="muted">
              (targets v{activating.targetsVersion}, installed {dateTime(activating.installedAt)}, {activating.state})
            </span>{' '}
            becomes the version Maestro loads. Every file is re-hashed first; a mismatch refuses and quarantines it.
          </p>
          <p className="small">
            {current ? (
              <>
                The active version now is{' '}
                <strong>
                  {current.name} {current.version}
                </strong>
                ; it stays installed and can be made active again.
              </>
            ) : (
              'No version of this bundle is active now.'
            )}{' '}
            The change and your reason are recorded in the audit log.
          </p>
        </>
      )}
    </ReasonDialog>
  );
}
