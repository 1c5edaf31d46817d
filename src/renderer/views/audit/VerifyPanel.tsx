import { useAudit } from '../../store/audit-store';

export function VerifyPanel() {
  const { verify, verifying, runVerify } = useAudit();
  return (
    <div className="verify-panel">
      <button onClick={() => void runVerify()} disabled={verifying}>
        {verifying ? 'Verifying…' : 'Verify chain'}
      </button>
      {verify && (
        <div role="status" data-testid="verify-result" className={verify.valid ? 'ok' : 'error'}>
          {verify.valid ? (
            <>
              Chain valid: {verify.checked} entries checked in {verify.durationMs} ms
              {verify.head ? `, head #${verify.head.seq} ${verify.head.hash.slice(0, 12)}…` : ''}
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
