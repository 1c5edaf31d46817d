// The run's disclosure pack: export (with progress) to the device's exports folder, and verify it
// the way an auditor would (the same checks as scripts/verify-pack.mjs).
import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { call, onEvent } from '../../api/client';
import type { PackExport, PackVerifyReport } from '../../../shared/api/types';
import { bytes, errorMessage } from '../../ui/format';

/** The auditor's command, the same in every language. */
const VERIFY_COMMAND = 'node scripts/verify-pack.mjs pack.tgz';

export function PackPanel({ runId, canIncludePii }: { runId: string; canIncludePii: boolean }) {
  const { t } = useTranslation('runs');
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
    <section className="panel" aria-label={t('pack.label')}>
      <h3>{t('pack.title')}</h3>
      <PackIntro />
      <div className="row-actions">
        {canIncludePii && (
          <label>
            <input type="checkbox" checked={includePii} onChange={(e) => setIncludePii(e.target.checked)} /> {t('pack.includePii')}
          </label>
        )}
        <button type="button" onClick={() => void exportPack()} disabled={busy !== null}>
          {t('pack.export')}
        </button>
      </div>
      {busy === 'export' && (
        <progress aria-label={t('pack.progress')} max={progress?.total || 1} value={progress?.done ?? 0}>
          {progress ? `${progress.phase} ${progress.done}/${progress.total}` : t('pack.starting')}
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
  const { t } = useTranslation('runs');
  return (
    <p className="small muted">
      <Trans t={t} i18nKey="pack.intro" components={{ command: <code>{VERIFY_COMMAND}</code> }} />
    </p>
  );
}

function PackResult({ result, busy, onVerify }: { result: PackExport; busy: boolean; onVerify(): void }) {
  const { t } = useTranslation('runs');
  return (
    <div role="status" className="small" data-testid="pack-result">
      <Trans
        t={t}
        i18nKey="pack.written"
        values={{
          files: result.files,
          size: bytes(result.bytes),
          pii: result.piiIncluded ? 'yes' : 'no',
          countersigned: result.countersigned ? 'yes' : 'no',
        }}
        components={{ path: <code>{result.path}</code>, sha: <code>{`${result.manifestSha256.slice(0, 16)}…`}</code> }}
      />{' '}
      <button type="button" onClick={onVerify} disabled={busy}>
        {t('pack.verify')}
      </button>
    </div>
  );
}
