import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { dateTime } from '../../ui/format';
import { useAudit } from './audit-store';
import { onEvent } from '../../api/client';

/** Stands in for the broken entry's number in the translated sentence; the number is shown in bold there. */
const SEQ_SLOT = '\uE000';

export function VerifyPanel() {
  const { t } = useTranslation('audit');
  const { verify, verifying, runVerify, progress, setProgress } = useAudit();
  useEffect(() => onEvent('audit.verify.progress', setProgress), [setProgress]);
  const ms = verify ? Math.round(verify.durationMs) : 0;
  // "Chain broken at entry <strong>#12</strong> (payload_altered): …": the sentence is translated whole,
  // then split where the entry number goes.
  const [brokenBefore, brokenAfter = ''] =
    verify && !verify.valid
      ? t('verify.broken', { seq: SEQ_SLOT, reason: verify.firstBad?.reason ?? '', message: verify.firstBad?.message ?? '' }).split(SEQ_SLOT)
      : [];
  return (
    <div className="verify-panel">
      <button onClick={() => void runVerify()} disabled={verifying}>
        {verifying ? t('verify.verifying') : t('verify.run')}
      </button>
      {verifying && progress && (
        <span className="muted" aria-live="polite">
          <progress max={progress.total || 1} value={progress.checked} /> {t('verify.progress', { checked: progress.checked, total: progress.total })}
        </span>
      )}
      {verify && (
        <div role="status" data-testid="verify-result" className={verify.valid ? 'ok' : 'error'}>
          {verify.valid ? (
            <>
              {verify.head
                ? t('verify.validHead', { checked: verify.checked, ms, seq: verify.head.seq, hash: verify.head.hash.slice(0, 12) })
                : t('verify.valid', { checked: verify.checked, ms })}{' '}
              <span data-testid="verify-anchor">
                {verify.anchored
                  ? verify.unanchored
                    ? t('verify.anchoredPartly', { seq: verify.anchored.seq, when: dateTime(verify.anchored.time), n: verify.unanchored })
                    : t('verify.anchored', { seq: verify.anchored.seq, when: dateTime(verify.anchored.time) })
                  : t('verify.notAnchored')}
              </span>
            </>
          ) : (
            <>
              {brokenBefore}
              <strong data-testid="broken-seq">#{verify.firstBad?.seq}</strong>
              {brokenAfter}
            </>
          )}
        </div>
      )}
    </div>
  );
}
