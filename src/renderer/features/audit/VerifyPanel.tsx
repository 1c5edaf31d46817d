import { useEffect } from 'react';
import { count, dateTime } from '../../ui/format';
import { useAudit } from './audit-store';
import { onEvent } from '../../api/client';

export function VerifyPanel() {
  const { verify, verifying, runVerify, progress, setProgress } = useAudit();
  useEffect(() => onEvent('audit.verify.progress', setProgress), [setProgress]);
  return (
    <div className="verify-panel">
      <button onClick={() => void runVerify()} disabled={verifying}>
        {verifying ? 'Verifying…' : 'Verify chain'}
      </button>
      {verifying && progress && (
        <span className="muted" aria-live="polite">
          <progress max={progress.total || 1} value={progress.checked} /> {progress.checked.toLocaleString()} / {count(progress.total, 'entry', 'entries')}
        </span>
      )}
      {verify && (
        <div role="status" data-testid="verify-result" className={verify.valid ? 'ok' : 'error'}>
          {verify.valid ? (
            <>
              Chain valid: {count(verify.checked, 'entry', 'entries')} checked in {Math.round(verify.durationMs)} ms
              {verify.head ? `, head #${verify.head.seq} ${verify.head.hash.slice(0, 12)}…` : ''}.{' '}
              <span data-testid="verify-anchor">
                {verify.anchored
                  ? `Proven by the server up to entry #${verify.anchored.seq} (${dateTime(verify.anchored.time)})${verify.unanchored ? `; ${count(verify.unanchored, 'newer entry is', 'newer entries are')} not yet anchored (sent with the next sync)` : ''}.`
                  : 'Not yet anchored by the server: consistent on this device, proven after the next sync.'}
              </span>
            </>
          ) : (
            <>
              Chain broken at entry <strong data-testid="broken-seq">#{verify.firstBad?.seq}</strong> ({verify.firstBad?.reason}): {verify.firstBad?.message}
            </>
          )}
        </div>
      )}
    </div>
  );
}
