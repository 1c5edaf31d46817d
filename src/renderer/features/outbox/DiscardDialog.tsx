import { useTranslation } from 'react-i18next';
import { useOutbox } from './outbox-store';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { outboxProblem } from './outbox-words';
import { InlineValue, VALUE_MARK } from '../../ui/InlineValue';
import { storedErrorText } from '../../ui/error-words';

const TEST_ID = 'discard-dialog';

/** Discarding is final and audited: confirm, with a reason. */
export function DiscardDialog() {
  const { t } = useTranslation('outbox');
  const { discarding, askDiscard, discard } = useOutbox();
  return (
    <ReasonDialog
      open={discarding !== null}
      title={t('discard.title')}
      reasonLabel={t('discard.reason')}
      confirmLabel={t('discard.confirm')}
      busyLabel={t('discard.busy')}
      danger
      testId={TEST_ID}
      onCancel={() => askDiscard(null)}
      onConfirm={(reason) => discard(discarding!.id, reason)}
    >
      {discarding && (
        <>
          <p className="small">
            <InlineValue text={t('discard.explain', { summary: VALUE_MARK })}>
              <span className="mono">{discarding.summary}</span>
            </InlineValue>
          </p>
          {outboxProblem(discarding) && <p className="small">{outboxProblem(discarding)!.what}</p>}
          {discarding.lastError && (
            <details className="plain-details small">
              <summary>{t('details')}</summary>
              <span className="mono">{storedErrorText(discarding.lastError)}</span>
            </details>
          )}
        </>
      )}
    </ReasonDialog>
  );
}
