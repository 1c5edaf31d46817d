import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useRuns } from './runs-store';
import { SchemaForm } from '../capture/schema-form/SchemaForm';
import { clientErrors, mergeErrors } from '../capture/schema-form/field-errors';
import { ErrorSummary } from '../capture/ErrorSummary';
import { num } from '../../ui/format';
import { inputSchemaOf, workflowText } from './workflow-words';

/** Pick a workflow and fill its input contract's form; a run whose input fails the contract never starts. */
export function StartRun() {
  const { t, i18n } = useTranslation('runs');
  const lang = i18n.language;
  const s = useRuns();
  const { workflows, contracts, startWorkflow } = s;
  const schema = useMemo(() => inputSchemaOf({ workflows, contracts }, startWorkflow, lang), [workflows, contracts, startWorkflow, lang]);
  const [attempted, setAttempted] = useState(false);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const client = useMemo(() => (schema ? clientErrors(schema, s.input) : []), [schema, s.input]);
  const errors = mergeErrors(s.startErrors, attempted ? client : client.filter((e) => touched[e.path]));
  const wf = s.workflows.find((w) => w.workflow === s.startWorkflow);

  async function start(e: FormEvent) {
    e.preventDefault();
    setAttempted(true);
    const run = await s.start();
    if (run) {
      setAttempted(false);
      setTouched({});
    }
  }
  if (s.workflows.length === 0) return <p className="muted small">{t('start.noWorkflows')}</p>;
  return (
    <form className="card stack start-run" aria-label={t('start.label')} onSubmit={(e) => void start(e)} noValidate>
      <label>
        {t('start.workflow')}
        <select aria-label={t('start.workflow')} value={s.startWorkflow} onChange={(e) => s.pickWorkflow(e.target.value)}>
          {s.workflows.map((w) => (
            <option key={w.workflow} value={w.workflow}>
              {workflowText(w, lang).title} ({w.workflow})
            </option>
          ))}
        </select>
      </label>
      {wf && (
        <p className="small muted">
          {t('start.summary', {
            description: workflowText(wf, lang).description,
            steps: wf.steps.map((st) => st.id).join(' → '),
            cost: num(wf.budgets.costCents / 100, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false }),
            tokens: wf.budgets.tokens,
            seconds: Math.round(wf.budgets.wallTimeMs / 1000),
          })}
        </p>
      )}
      {schema && (
        <>
          <ErrorSummary errors={errors} schema={schema} />
          <fieldset className="plain" disabled={s.starting}>
            <SchemaForm
              key={s.startWorkflow}
              schema={schema}
              value={s.input}
              onChange={s.editInput}
              errors={errors}
              touch={(p) => setTouched((t) => ({ ...t, [p]: true }))}
              uploadPhoto={() => Promise.reject(new Error(t('start.photosInCapture')))}
              thumbnail={() => undefined}
            />
          </fieldset>
        </>
      )}
      <div className="form-actions">
        <button type="submit" disabled={s.starting}>
          {s.starting ? t('start.starting') : t('start.submit')}
        </button>
      </div>
    </form>
  );
}
