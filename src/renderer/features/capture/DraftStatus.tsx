import { useCapture } from './capture-store';
import { clockTime } from '../../ui/format';

/** "Draft saved HH:MM:SS" and friends; autosave runs 800 ms after the last edit. */
export function DraftStatus() {
  const { draftState, draftSavedAt, draftError, flushDraft } = useCapture();
  let text: string;
  switch (draftState) {
    case 'pending':
      text = 'Unsaved changes…';
      break;
    case 'saving':
      text = 'Saving draft…';
      break;
    case 'saved':
      text = draftSavedAt ? `Draft saved ${clockTime(draftSavedAt)}` : 'Draft saved';
      break;
    case 'error':
      text = `Draft not saved: ${draftError ?? 'unknown error'}`;
      break;
    default:
      text = 'Drafts save automatically as you type';
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
          Retry save
        </button>
      )}
    </span>
  );
}
