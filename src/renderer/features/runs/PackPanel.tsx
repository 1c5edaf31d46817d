// The run's disclosure pack: export (with progress) to the device's exports folder, and verify it
// the way an auditor would (the same checks as scripts/verify-pack.mjs).
import { useEffect, useState } from 'react';
import { call, onEvent } from '../../api/client';
import type { PackExport, PackVerifyReport } from '../../../shared/api/types';
import { bytes, count, errorMessage } from '../../ui/format';

export function PackPanel({ runId, canIncludePii }: { runId: string; canIncludePii: boolean }) {
  const [includePii, setIncludePii] = useState(false);
  const [busy, setBusy] = useState<'export' | 'verify' | null>(null);
  const [progress, setProgress] = useState<{ phase: string; done: number; total: number } | null>(null);
  const [result, setResult] = useState<PackExport | null>(null);
  const [report, setReport] = useState<PackVerifyReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opId, setOpId] = useState<string | null>(null);

  useEffect(() => onEvent('evidence.pack.progress', (p) => (p.opId === opId ? setProgress(p) : undefined)), [opId]);
  useEffect(() => {
    setResult(null);
    setReport(null);
    setError(null);
  }, [runId]);

  async function exportPack() {
    const id = `ui-${crypto.randomUUID()}`;
    setOpId(id);
    setBusy('export');
    setError(null);
    setReport(null);
    setProgress(null);
    try {
      setResult(await call('evidence.exportPack', { runId, includePii, opId: id }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  async function verify(path: string) {
    setBusy('verify');
    setError(null);
    try {
      setReport(await call('evidence.verifyPack', { path }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="panel" aria-label="Disclosure pack">
      <h3>Disclosure pack</h3>
      <PackIntro />
      <div className="row-actions">
        {canIncludePii && (
          <label>
            <input type="checkbox" checked={includePii} onChange={(e) => setIncludePii(e.target.checked)} /> Include PII in clear
          </label>
        )}
        <button type="button" onClick={() => void exportPack()} disabled={busy !== null}>
          Export disclosure pack
        </button>
      </div>
      {busy === 'export' && (
        <progress aria-label="Pack export progress" max={progress?.total || 1} value={progress?.done ?? 0}>
          {progress ? `${progress.phase} ${progress.done}/${progress.total}` : 'starting'}
        </progress>
      )}
      {error && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
      {result && <PackResult result={result} busy={busy !== null} onVerify={() => void verify(result.path)} />}
      {report && (
        <pre className={`small ${report.ok ? 'ok' : 'error'}`} data-testid="pack-report" data-ok={report.ok}>
          {report.text}
        </pre>
      )}
    </section>
  );
}

function PackIntro() {
  return (
    <p className="small muted">
      Everything an auditor needs to check this run offline: signed manifest, server receipts, decision cards, the run’s log, the bundles in force and Merkle
      inclusion proofs against a server-countersigned checkpoint. Verify anywhere with <code>node scripts/verify-pack.mjs pack.tgz</code>.
    </p>
  );
}

function PackResult({ result, busy, onVerify }: { result: PackExport; busy: boolean; onVerify(): void }) {
  return (
    <div role="status" className="small" data-testid="pack-result">
      Written <code>{result.path}</code>: {count(result.files, 'file')}, {bytes(result.bytes)}, manifest SHA-256{' '}
      <code>{result.manifestSha256.slice(0, 16)}…</code>, {result.piiIncluded ? 'PII included' : 'PII replaced by salted hashes'},{' '}
      {result.countersigned ? 'proofs against a server-countersigned root' : 'root not countersigned yet (sync first)'}.{' '}
      <button type="button" onClick={onVerify} disabled={busy}>
        Verify this pack
      </button>
    </div>
  );
}
