import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DecisionContext } from '../../../shared/workflow/decision-context';
import { call } from '../../api/client';
import { ApiError } from '../../../shared/errors';
import { errorMessage } from '../../ui/format';
import { useRefreshOn } from '../team/hooks';
import { reasonText } from './reason-words';
import { contextWords } from './record-words';
import { useRuns } from '../runs/runs-store';

/** Where the run lives: this device's (no device) or another device's of the tenant. */
interface Where {
  runId: string;
  /** Another device's run (team sync); absent for this device's. */
  device?: string;
}

type Loaded = { context: DecisionContext | null; error: string | null; loading: boolean; gone: boolean };

/** One request per run at a time, shared by the card, the dialog and the lists (runs.context). */
const inflight = new Map<string, Promise<DecisionContext | null>>();
const keyOf = (w: Where) => `${w.device ?? ''}/${w.runId}`;

function fetchContext(w: Where): Promise<DecisionContext | null> {
  const k = keyOf(w);
  let p = inflight.get(k);
  if (!p) {
    const req = w.device ? ({ scope: 'tenant', device: w.device, runId: w.runId } as const) : { runId: w.runId };
    p = call('runs.context', req).then((r) => r.context);
    inflight.set(k, p);
    const clear = () => inflight.delete(k);
    p.then(clear, clear);
  }
  return p;
}

function useDecisionContext(w: Where): Loaded {
  const [state, setState] = useState<Loaded>({ context: null, error: null, loading: true, gone: false });
  const { runId, device } = w;
  const load = useCallback(() => {
    let live = true;
    fetchContext({ runId, device }).then(
      (context) => live && setState({ context, error: null, loading: false, gone: false }),
      // No such run here (a card that names a run this device never had): nothing to show.
      (e: unknown) => live && setState({ context: null, error: errorMessage(e), loading: false, gone: e instanceof ApiError && e.code === 'NOT_FOUND' }),
    );
    return () => {
      live = false;
    };
  }, [runId, device]);
  useEffect(() => load(), [load]);
  const refresh = useCallback(() => void load(), [load]);
  useRefreshOn(refresh);
  return state;
}

/** The context in the reader's language: its contract's and workflow's words (./record-words.ts). */
function useContextWords(c: DecisionContext | null): DecisionContext | null {
  const { i18n } = useTranslation();
  const workflows = useRuns((s) => s.workflows);
  const contracts = useRuns((s) => s.contracts);
  useEffect(() => useRuns.getState().loadWords(), []);
  const lang = i18n.language;
  return useMemo(() => (c ? contextWords(c, { workflows, contracts }, lang) : null), [c, workflows, contracts, lang]);
}

interface Props extends Where {
  /** Title and fields only (a card that is not waiting for this decision). */
  compact?: boolean;
}

/**
 * What is being decided, in the reviewer's words: the record the run concerns (its contract's title
 * fields, the values that made it RED highlighted), the AI output under review beside the fields it
 * read, and what approving or rejecting does. Shown in a card of a run and in the approval dialog.
 */
export function CardRecord({ runId, device, compact = false }: Props) {
  const { t } = useTranslation('cards');
  const { context, error, loading, gone } = useDecisionContext({ runId, device });
  const c = useContextWords(context);
  if ((loading && !c) || gone) return null;
  if (error)
    return (
      <p className="small muted" data-testid="card-record-missing">
        {t('record.unreadable', { error })}
      </p>
    );
  if (!c)
    return (
      <p className="small muted" data-testid="card-record-missing">
        {t('record.sharedWithout')}
      </p>
    );
  return (
    <section className="card-record stack" aria-label={t('record.label')} data-testid="card-record" data-run={c.runId}>
      <p className="record-title">
        <strong data-testid="record-title">{c.title}</strong> <span className="small muted">{c.contractTitle}</span>
      </p>
      {c.fields.length > 0 && <RecordFields c={c} />}
      {!compact && c.otherReasons.length > 0 && (
        <section aria-label={t('record.otherLabel')} className="small">
          <strong>{t('record.otherTitle')}</strong>
          <ul>
            {c.otherReasons.map(reasonText).map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </section>
      )}
      {!compact && c.ai && <RecordAi ai={c.ai} />}
      {!compact && c.outcome && (
        <ul className="record-outcome small" data-testid="record-outcome">
          <li>
            <strong>{t('record.approve')}</strong> {c.outcome.approve}
          </li>
          <li>
            <strong>{t('record.reject')}</strong> {c.outcome.reject}
          </li>
        </ul>
      )}
    </section>
  );
}

/** The record's title fields, the values that made the run wait for a reviewer marked with why. */
function RecordFields({ c }: { c: DecisionContext }) {
  const { t } = useTranslation('cards');
  return (
    <dl className="record-fields small" data-testid="record-fields">
      {c.fields.map((f) => (
        <div key={f.path} className={f.red ? 'record-field red' : 'record-field'} data-field={f.path} data-red={f.red}>
          <dt>{f.label}</dt>
          <dd>
            {f.value}
            {f.red && (
              <span className="badge badge-error" data-testid="record-red">
                {t(c.lane === 'RED' ? 'record.madeRed' : 'record.needsReviewer')}
              </span>
            )}
            {f.why && <span className="record-why muted">{reasonText(f.why)}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The AI summary under review beside the fields it read (or, not made yet, the fields it will read). */
function RecordAi({ ai }: { ai: NonNullable<DecisionContext['ai']> }) {
  const { t } = useTranslation('cards');
  return (
    <div className="record-ai" data-testid="record-ai">
      <figure>
        <figcaption className="small">
          <strong>{t('record.aiTitle')}</strong>{' '}
          <span className="muted">
            {ai.step}
            {ai.model ? ` · ${ai.model}` : ''}
          </span>
        </figcaption>
        {ai.state === 'done' ? (
          <blockquote data-testid="record-ai-text">{ai.text || t('record.emptySummary')}</blockquote>
        ) : (
          <p className="small" data-testid="record-ai-pending">
            {t('record.notSummarised', { step: ai.step })}
          </p>
        )}
      </figure>
      <figure>
        <figcaption className="small">
          <strong>{t(ai.state === 'done' ? 'record.summarised' : 'record.willSummarise')}</strong>
        </figcaption>
        {ai.sources.map((s) => (
          <blockquote key={s.path} data-testid="record-ai-source" data-field={s.path}>
            <span className="small muted">{t('record.sourceLabel', { label: s.label })}</span>
            {s.value}
          </blockquote>
        ))}
      </figure>
    </div>
  );
}
