import { useEffect, useRef } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { useDecision, type DecisionTarget } from './decision-store';
import { effectOf } from './decision-words';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { Who } from '../../ui/Who';
import { DecisionContent } from './DecisionContent';

/**
 * The one approval dialog, for this device's runs and for cards recorded on another device: the same
 * title, body, comment and buttons. Its body says what is decided (DecisionContent: the place for the
 * record and the AI output under review), where the run lives, and what approving or rejecting will
 * do. A comment is required and recorded (audit + card). A step of this device's run continues or stops
 * here; another device's is signed under this device's certificate, encrypted to the tenant key and
 * queued for sync, and that device applies it when it pulls.
 */
const DIALOG_TEST_ID = 'decision-dialog';

export function DecisionDialog() {
  const { t } = useTranslation('runs');
  const { deciding, ask, decide } = useDecision();
  const approve = deciding?.decision === 'approve';
  return (
    <>
      <DecisionConfirmation />
      <ReasonDialog
        open={deciding !== null}
        title={approve ? t('decision.approveTitle') : t('decision.rejectTitle')}
        reasonLabel={t('decision.comment')}
        confirmLabel={approve ? t('decision.approve') : t('decision.reject')}
        busyLabel={approve ? t('decision.approving') : t('decision.rejecting')}
        danger={!approve}
        testId={DIALOG_TEST_ID}
        onCancel={() => ask(null)}
        onConfirm={decide}
      >
        {deciding && <DecisionBody d={deciding} />}
      </ReasonDialog>
    </>
  );
}

function DecisionBody({ d }: { d: DecisionTarget }) {
  const { t } = useTranslation('runs');
  const id = <span className="mono">{d.runId}</span>;
  return (
    <div className="stack decision-body" data-scope={d.scope}>
      <DecisionContent d={d} />
      <p className="small muted" data-testid="decision-where">
        {d.scope === 'tenant' ? (
          <Trans t={t} i18nKey="decision.whereTenant" components={{ id, device: <Who device={d.device} />, user: <Who profile={d.user || null} /> }} />
        ) : (
          <Trans t={t} i18nKey="decision.whereDevice" components={{ id }} />
        )}
      </p>
      <p className="small" data-testid="decision-effect">
        {effectOf(d)}
      </p>
    </div>
  );
}

/**
 * After a decision: what was decided and what happens next, focused, so the keyboard does not land on
 * the next card's Approve button (which sits where the last one was).
 */
function DecisionConfirmation() {
  const { t } = useTranslation('runs');
  const { confirmation, dismiss } = useDecision();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!confirmation) return;
    // After the closing dialog has handed focus back to the button that opened it.
    const t = setTimeout(() => ref.current?.focus(), 50);
    return () => clearTimeout(t);
  }, [confirmation]);
  if (!confirmation) return null;
  return (
    <div ref={ref} className="card decision-confirmation" role="status" tabIndex={-1} data-testid="decision-confirmation">
      <p className="small">{confirmation}</p>
      <button type="button" className="secondary small-btn" onClick={dismiss}>
        {t('decision.ok')}
      </button>
    </div>
  );
}
