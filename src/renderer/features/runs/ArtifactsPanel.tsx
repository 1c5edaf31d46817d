import { useEffect, useState, type FormEvent } from 'react';
import { ARTIFACT_FLAGS, type ArtifactFlag, type ArtifactView } from '../../../shared/evidence/types';
import { MAX_INLINE_ATTACHMENT_BYTES as MAX_FILE } from '../../../shared/api/types';
import { useApp } from '../../app-store';
import { cardList } from '../cards/cards-store';
import { useEvidence } from './evidence-store';
import { count, dateTime } from '../../ui/format';
import { Who } from '../../ui/Who';

const FLAG_LABEL: Record<ArtifactFlag, string> = {
  sbom_present: 'SBOM',
  slsa_provenance_present: 'SLSA provenance',
  risk_assessment_present: 'Risk assessment',
};

function Flags({ a }: { a: ArtifactView }) {
  return (
    <ul className="small artifact-flags" aria-label={`Flags of ${a.name}`}>
      {ARTIFACT_FLAGS.map((f) => {
        const x = a.flags[f];
        return (
          <li key={f} data-flag={f} data-value={x.value} data-source={x.source} title={x.reason}>
            <span className={x.value ? 'ok' : 'muted'}>
              {x.value ? '✓' : '✗'} {FLAG_LABEL[f]}
            </span>{' '}
            <span className={x.source === 'manual' ? 'warn' : 'muted'}>({x.source === 'manual' ? 'set by hand' : 'derived'})</span>
          </li>
        );
      })}
    </ul>
  );
}

/** A run's artifacts with their governance flags, adding one, and the release gate. */
/** `runStatus`: the report (and what the gate misses) is reloaded when the run's status changes. */
export function ArtifactsPanel({ runId, runStatus }: { runId: string; runStatus: string }) {
  const { artifacts, report, gate, load } = useEvidence();
  useEffect(() => {
    void load(runId);
  }, [runId, runStatus, load]);
  const shownGate = gate && gate.runId === runId ? gate : null;
  return (
    <section className="card stack artifacts" aria-label="Artifacts" data-testid="artifacts">
      <header className="card-head">
        <strong>Artifacts</strong>
        <span className="small muted">{count(artifacts.length, 'artifact')}</span>
      </header>
      <ArtifactList artifacts={artifacts} compliant={report?.compliantIds ?? []} />
      <AddArtifact runId={runId} />
      {shownGate && <GateResult gate={shownGate} runId={runId} />}
      {!shownGate && report && report.missing.length > 0 && artifacts.length > 0 && (
        <ul className="small muted" aria-label="What the release gate misses">
          {report.missing.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ArtifactList({ artifacts, compliant }: { artifacts: ArtifactView[]; compliant: string[] }) {
  return artifacts.length === 0 ? (
    <p className="small muted">No artifacts yet. Add a file or a note below to keep it with this run’s evidence.</p>
  ) : (
    <ul className="stack artifact-list">
      {artifacts.map((a) => (
        <li key={a.id} data-artifact={a.id} data-compliant={compliant.includes(a.id)}>
          <strong>{a.name}</strong>{' '}
          <span className="small muted">
            {a.kind === 'file' ? (
              <>
                <span className="mono" title={a.sha256 ?? ''}>
                  sha256:{a.sha256?.slice(0, 12)}…
                </span>{' '}
                · {a.bytes?.toLocaleString()} bytes
              </>
            ) : (
              <span className="mono">{a.uri}</span>
            )}
            {a.docType ? ` · ${a.docType}` : ''} · {dateTime(a.createdAt)} by <Who actor={a.actor} />
          </span>
          <Flags a={a} />
        </li>
      ))}
    </ul>
  );
}

/** Adding an artifact (a file or a URI, flags set by hand) and evaluating the release gate. */
function AddArtifact({ runId }: { runId: string }) {
  const { busy, error, add, evaluate } = useEvidence();
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'file' | 'uri'>('file');
  const [file, setFile] = useState<File | null>(null);
  const [uri, setUri] = useState('');
  const [manual, setManual] = useState<Partial<Record<ArtifactFlag, boolean>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [fileKey, setFileKey] = useState(0);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    if (mode === 'file' && !file) return setFormError('Choose a file.');
    if (mode === 'file' && file && file.size > MAX_FILE) return setFormError(`Files are limited to ${MAX_FILE / 1024 / 1024} MiB.`);
    if (mode === 'uri' && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri.trim())) return setFormError('Enter a URI such as https://… or s3://…');
    const ok = await add(runId, { name, file: mode === 'file' ? file : null, uri: mode === 'uri' ? uri : '', flags: manual });
    if (ok) {
      setName('');
      setFile(null);
      setUri('');
      setManual({});
      setFileKey((k) => k + 1);
    }
  };
  return (
    <form className="stack artifact-form" onSubmit={(e) => void submit(e)} aria-label="Add an artifact">
      {/* Styled like the other forms: a titled group, fields in a grid, choices inline (styles.css .artifact-form). */}
      <fieldset className="group">
        <legend>Add an artifact</legend>
        <div className="choice-row" role="radiogroup" aria-label="Artifact kind">
          <label className="check">
            <input type="radio" name="artifact-mode" checked={mode === 'file'} onChange={() => setMode('file')} /> File
          </label>
          <label className="check">
            <input type="radio" name="artifact-mode" checked={mode === 'uri'} onChange={() => setMode('uri')} /> URI
          </label>
        </div>
        <div className="form-grid">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="defaults to the file name or URI" />
          </label>
          {mode === 'file' ? (
            <label>
              File
              <input key={fileKey} type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </label>
          ) : (
            <label>
              URI
              <input value={uri} onChange={(e) => setUri(e.target.value)} maxLength={2048} placeholder="s3://releases/bundle-v1.0.0.tgz" />
            </label>
          )}
        </div>
        <fieldset className="plain flags">
          <legend className="small muted">Set by hand (recorded as manual; otherwise derived from the run’s SBOM, provenance and risk documents)</legend>
          {ARTIFACT_FLAGS.map((f) => (
            <label key={f} className="check">
              <input type="checkbox" checked={manual[f] === true} onChange={(e) => setManual((m) => ({ ...m, [f]: e.target.checked ? true : undefined }))} />
              {FLAG_LABEL[f]}
            </label>
          ))}
        </fieldset>
      </fieldset>
      <div className="row-actions">
        <button type="submit" disabled={busy === 'adding'} aria-busy={busy === 'adding'}>
          {busy === 'adding' ? 'Adding…' : 'Add artifact'}
        </button>
        <button type="button" className="secondary" disabled={busy === 'evaluating'} aria-busy={busy === 'evaluating'} onClick={() => void evaluate(runId)}>
          {busy === 'evaluating' ? 'Evaluating…' : 'Evaluate release gate'}
        </button>
      </div>
      {(formError ?? error) && (
        <p className="small error" role="alert">
          {formError ?? error}
        </p>
      )}
    </form>
  );
}

function GateResult({ gate: shownGate, runId }: { gate: NonNullable<ReturnType<typeof useEvidence.getState>['gate']>; runId: string }) {
  const go = useApp((s) => s.go);
  return (
    <div className={`small ${shownGate.passed ? 'ok' : 'error'}`} role="status" data-testid="gate-result" data-passed={shownGate.passed}>
      <strong>{shownGate.passed ? 'Release gate passed' : 'Release gate failed'}</strong> — {shownGate.message}
      <div>
        {shownGate.details.compliant} of {count(shownGate.details.total, 'artifact')} compliant ({shownGate.details.ruleSource} rule:{' '}
        {shownGate.details.rule.requireRunSucceeded ? 'run succeeded, ' : ''}
        at least {shownGate.details.rule.minCompliantArtifacts} with {shownGate.details.rule.requiredFlags.join(', ')}).
        {shownGate.details.manualCompliantIds.length > 0 && (
          <span className="warn">
            {' '}
            {count(shownGate.details.manualCompliantIds.length, 'compliant artifact')} {shownGate.details.manualCompliantIds.length === 1 ? 'relies' : 'rely'}{' '}
            on flags set by hand.
          </span>
        )}
      </div>
      {shownGate.details.missing.length > 0 && (
        <ul>
          {shownGate.details.missing.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <button
        type="button"
        className="link"
        onClick={() => {
          void cardList('device').getState().setFilters({ runId });
          go('cards');
        }}
      >
        Open decision card <span className="mono">{shownGate.cardId}</span>
      </button>{' '}
      <span className="muted">evaluated {dateTime(shownGate.createdAt)}</span>
    </div>
  );
}
