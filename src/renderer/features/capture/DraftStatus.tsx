import { useTranslation } from 'react-i18next';
import { useCapture } from './capture-store';
import { clockTime } from '../../ui/format';

/** "Draft saved HH:MM:SS" and friends; autosave runs 800 ms after the last edit. */
export function DraftStatus() {
  const { t } = useTranslation('capture');
  const { draftState, draftSavedAt, draftError, flushDraft } = useCapture();
  let text: string;
  switch (draftState) {
    case 'pending':
      text = t('draft.pending');
      break;
    case 'saving':
      text = t('draft.saving');
      break;
    case 'saved':
      text = draftSavedAt ? t('draft.savedAt', { time: clockTime(draftSavedAt) }) : t('draft.saved');
      break;
    case 'error':
      text = t('draft.notSaved', { error: draftError ?? t('draft.unknownError') });
      break;
    default:
      text = t('draft.idle');
  }
  return (
    <span
      className={draftState === 'error' ? 'draft-status error' : 'draft-status muted'}
      data-testid="draft-status"
      data-draft-state={draftState}
      aria-live="polite"
    >
      {text}
      {draftState === 'error' && (
        <button type="button" className="secondary small-btn" onClick={() => void flushDraft()}>
          {t('draft.retry')}
        </button>
      )}
    </span>
  );
}
