import { useEffect, useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { ARTIFACT_FLAGS, type ArtifactFlag, type ArtifactView } from '../../../shared/evidence/types';
import { MAX_INLINE_ATTACHMENT_BYTES as MAX_FILE } from '../../../shared/api/types';
import { useApp } from '../../app-store';
import { cardList } from '../cards/cards-store';
import { useEvidence } from './evidence-store';
import { dateTime, num } from '../../ui/format';
import { Who } from '../../ui/Who';

/** A flag set or not: a sign, the same in every language. */
const MARK = { set: '✓', unset: '✗' };
/** A file's SHA-256, short, as the engineers write it (a code: not translated). */
const shortDigest = (sha: string | null | undefined) => `sha256:${sha?.slice(0, 12)}…`;

/** A governance flag's name, in the language in use (runs:flags.<flag>). */
const flagKey = (f: ArtifactFlag) => `flags.${f}` as const;

function Flags({ a }: { a: ArtifactView }) {
  const { t } = useTranslation('runs');
  return (
    <ul className="small artifact-flags" aria-label={t('artifacts.flagsOf', { name: a.name })}>
      {ARTIFACT_FLAGS.map((f) => {
        const x = a.flags[f];
        return (
          <li key={f} data-flag={f} data-value={x.value} data-source={x.source} title={x.reason}>
            <span className={x.value ? 'ok' : 'muted'}>
              {x.value ? MARK.set : MARK.unset} {t(flagKey(f))}
            </span>{' '}
            <span className={x.source === 'manual' ? 'warn' : 'muted'}>{x.source === 'manual' ? t('artifacts.setByHand') : t('artifacts.derived')}</span>
          </li>
        );
      })}
    </ul>
  );
}

/** A run's artifacts with their governance flags, adding one, and the release gate. */
/** `runStatus`: the report (and what the gate misses) is reloaded when the run's status changes. */
export function ArtifactsPanel({ runId, runStatus }: { runId: string; runStatus: string }) {
  const { t } = useTranslation('runs');
  const { artifacts, report, gate, load } = useEvidence();
  useEffect(() => {
    void load(runId);
  }, [runId, runStatus, load]);
  const shownGate = gate && gate.runId === runId ? gate : null;
  return (
    <section className="card stack artifacts" aria-label={t('artifacts.label')} data-testid="artifacts">
      <header className="card-head">
        <strong>{t('artifacts.title')}</strong>
        <span className="small muted">{t('artifacts.count', { n: artifacts.length })}</span>
      </header>
      <ArtifactList artifacts={artifacts} compliant={report?.compliantIds ?? []} />
      <AddArtifact runId={runId} />
      {shownGate && <GateResult gate={shownGate} runId={runId} />}
      {!shownGate && report && report.missing.length > 0 && artifacts.length > 0 && (
        <ul className="small muted" aria-label={t('artifacts.misses')}>
          {report.missing.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ArtifactList({ artifacts, compliant }: { artifacts: ArtifactView[]; compliant: string[] }) {
  const { t } = useTranslation('runs');
  return artifacts.length === 0 ? (
    <p className="small muted">{t('artifacts.empty')}</p>
  ) : (
    <ul className="stack artifact-list">
      {artifacts.map((a) => (
        <li key={a.id} data-artifact={a.id} data-compliant={compliant.includes(a.id)}>
          <strong>{a.name}</strong>{' '}
          <span className="small muted">
            {a.kind === 'file' ? (
              <>
                <span className="mono" title={a.sha256 ?? ''}>
                  {shortDigest(a.sha256)}
                </span>{' '}
                {t('artifacts.bytes', { n: a.bytes ?? 0 })}
              </>
            ) : (
              <span className="mono">{a.uri}</span>
            )}
            {a.docType ? ` · ${a.docType}` : ''}{' '}
            <Trans t={t} i18nKey="artifacts.added" values={{ when: dateTime(a.createdAt) }} components={{ who: <Who actor={a.actor} /> }} />
          </span>
          <Flags a={a} />
        </li>
      ))}
    </ul>
  );
}

type Flags = Partial<Record<ArtifactFlag, boolean>>;

/** The flags a person sets by hand for an artifact. */
function ManualFlags({ manual, setManual }: { manual: Flags; setManual: (f: (m: Flags) => Flags) => void }) {
  const { t } = useTranslation('runs');
  return (
    <fieldset className="plain flags">
      <legend className="small muted">{t('artifacts.manualLegend')}</legend>
      {ARTIFACT_FLAGS.map((f) => (
        <label key={f} className="check">
          <input type="checkbox" checked={manual[f] === true} onChange={(e) => setManual((m) => ({ ...m, [f]: e.target.checked ? true : undefined }))} />
          {t(flagKey(f))}
        </label>
      ))}
    </fieldset>
  );
}

/** Adding an artifact (a file or a URI, flags set by hand) and evaluating the release gate. */
function AddArtifact({ runId }: { runId: string }) {
  const { t } = useTranslation('runs');
  const { busy, error, add, evaluate } = useEvidence();
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'file' | 'uri'>('file');
  const [file, setFile] = useState<File | null>(null);
  const [uri, setUri] = useState('');
  const [manual, setManual] = useState<Flags>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [fileKey, setFileKey] = useState(0);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    if (mode === 'file' && !file) return setFormError(t('artifacts.chooseFile'));
    if (mode === 'file' && file && file.size > MAX_FILE) return setFormError(t('artifacts.tooBig', { n: num(MAX_FILE / 1024 / 1024) }));
    if (mode === 'uri' && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri.trim())) return setFormError(t('artifacts.badUri'));
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
    <form className="stack artifact-form" onSubmit={(e) => void submit(e)} aria-label={t('artifacts.add')}>
      {/* Styled like the other forms: a titled group, fields in a grid, choices inline (styles.css .artifact-form). */}
      <fieldset className="group">
        <legend>{t('artifacts.add')}</legend>
        <div className="choice-row" role="radiogroup" aria-label={t('artifacts.kind')}>
          <label className="check">
            <input type="radio" name="artifact-mode" checked={mode === 'file'} onChange={() => setMode('file')} /> {t('artifacts.file')}
          </label>
          <label className="check">
            <input type="radio" name="artifact-mode" checked={mode === 'uri'} onChange={() => setMode('uri')} /> {t('artifacts.uri')}
          </label>
        </div>
        <div className="form-grid">
          <label>
            {t('artifacts.name')}
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder={t('artifacts.namePlaceholder')} />
          </label>
          {mode === 'file' ? (
            <label>
              {t('artifacts.file')}
              <input key={fileKey} type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </label>
          ) : (
            <label>
              {t('artifacts.uri')}
              <input value={uri} onChange={(e) => setUri(e.target.value)} maxLength={2048} placeholder={t('artifacts.uriPlaceholder')} />
            </label>
          )}
        </div>
        <ManualFlags manual={manual} setManual={setManual} />
      </fieldset>
      <div className="row-actions">
        <button type="submit" disabled={busy === 'adding'} aria-busy={busy === 'adding'}>
          {busy === 'adding' ? t('artifacts.adding') : t('artifacts.addButton')}
        </button>
        <button type="button" className="secondary" disabled={busy === 'evaluating'} aria-busy={busy === 'evaluating'} onClick={() => void evaluate(runId)}>
          {busy === 'evaluating' ? t('artifacts.evaluating') : t('artifacts.evaluate')}
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
  const { t } = useTranslation('runs');
  const go = useApp((s) => s.go);
  const d = shownGate.details;
  return (
    <div className={`small ${shownGate.passed ? 'ok' : 'error'}`} role="status" data-testid="gate-result" data-passed={shownGate.passed}>
      <strong>{shownGate.passed ? t('gate.passed') : t('gate.failed')}</strong> — {shownGate.message}
      <div>
        {t('gate.summary', {
          compliant: d.compliant,
          total: d.total,
          source: d.ruleSource,
          runSucceeded: d.rule.requireRunSucceeded ? 'yes' : 'no',
          min: d.rule.minCompliantArtifacts,
          flags: d.rule.requiredFlags.join(', '),
        })}
        {d.manualCompliantIds.length > 0 && <span className="warn"> {t('gate.manual', { n: d.manualCompliantIds.length })}</span>}
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
        <Trans t={t} i18nKey="gate.openCard" components={{ id: <span className="mono">{shownGate.cardId}</span> }} />
      </button>{' '}
      <span className="muted">{t('gate.evaluated', { when: dateTime(shownGate.createdAt) })}</span>
    </div>
  );
}
