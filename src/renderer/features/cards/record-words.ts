// The record a reviewer decides on (shared/workflow/decision-context.ts) in the reader's language: the
// main process words it with the contract's and the workflow's own words (English as shipped); here
// the field labels, enum values, contract title, run title and summary step title come from their
// per-locale words (decision 0031: capture/schema-form/localize.ts, runs/workflow-words.ts). What
// this device cannot match (a contract or workflow it does not have, a label another version wrote)
// stays as it came.
import i18next from 'i18next';
import type { ContractDoc } from '../../../shared/api/types';
import { labelAt, outcomeEnglish, outcomeRejectEnglish, type DecisionContext } from '../../../shared/workflow/decision-context';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import type { JsonSchema } from '../capture/schema-form/json-schema';
import { contractWords, localizeSchema } from '../capture/schema-form/localize';
import { runTitleText, stepText, workflowText } from '../runs/workflow-words';

type Schema = Record<string, unknown>;

/** The schema node at a pointer (array indexes step into `items`), or undefined. */
function nodeAt(schema: JsonSchema, pointer: string): JsonSchema | undefined {
  let cur: JsonSchema | undefined = schema;
  for (const raw of pointer.split('/').slice(1)) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = /^\d+$/.test(k) && cur?.items ? cur.items : cur?.properties?.[k];
    if (!cur) return undefined;
  }
  return cur;
}

/** An enum value's label in the localized node (a list of them: each, as formatValue joins them). */
function enumValue(node: JsonSchema | undefined, value: string): string {
  const labelOf = (n: JsonSchema | undefined, v: string): string | undefined => {
    const i = n?.enum?.findIndex((e) => String(e) === v) ?? -1;
    return i >= 0 ? n?.enumLabels?.[i] : undefined;
  };
  const one = labelOf(node, value);
  if (one !== undefined) return one;
  if (!node?.items?.enumLabels) return value;
  const parts = value.split(', ').map((v) => labelOf(node.items, v));
  return parts.every((p) => p !== undefined) ? parts.join(', ') : value;
}

/** Labels and values of the record's fields (and the summary's sources) in `lang`. */
function fieldWords(plain: Schema, local: JsonSchema) {
  const label = (path: string, stored: string) => (stored === labelAt(plain, path) ? labelAt(local as Schema, path) : stored);
  return {
    field: <F extends { path: string; label: string; value: string }>(f: F): F => ({
      ...f,
      label: label(f.path, f.label),
      value: enumValue(nodeAt(local, f.path), f.value),
    }),
    source: <F extends { path: string; label: string }>(f: F): F => ({ ...f, label: label(f.path, f.label) }),
  };
}

/** The workflow the context's run follows: the loaded one with its title and input contract. */
const workflowFor = (c: DecisionContext, workflows: readonly WorkflowInfo[]): WorkflowInfo | undefined =>
  workflows.find((w) => w.title === c.workflowTitle && w.inputContract === c.contract);

/** The summary step's title (the manifest's title, or its id) in `lang`. */
function aiStep(w: WorkflowInfo | undefined, step: string, lang: string): string {
  const s = w?.steps.find((x) => x.title === step) ?? w?.steps.find((x) => x.id === step && !x.title);
  return s ? (stepText(w, s.id, step, lang) ?? step) : step;
}

/**
 * What approving and rejecting do, in `lang`. The main process words them in English from the steps
 * after the one the run waits at (shared/workflow/decision-context.ts outcomeEnglish); here the same
 * words are found again from the workflow's steps, and only a sentence that matches exactly is put in
 * the reader's language (with the next step's own title in it), so anything else stays as it came.
 */
function outcomeWords(o: NonNullable<DecisionContext['outcome']>, w: WorkflowInfo, lang: string): NonNullable<DecisionContext['outcome']> {
  const t = (key: string, params: Record<string, string | number> = {}) => i18next.t(`outcome.${key}`, { ns: 'system', lng: lang, ...params });
  let approve = o.approve;
  let submits: boolean | null = null;
  for (let first = 0; first <= w.steps.length; first++) {
    const rest = w.steps.slice(first);
    const english = outcomeEnglish(rest);
    if (english.approve !== o.approve) continue;
    const next = rest[0];
    approve = next ? t('approve_next', { step: stepText(w, next.id, next.title ?? next.id, lang) ?? next.id, more: rest.length - 1 }) : t('finish');
    submits = english.submits;
    break;
  }
  const yes = o.reject === outcomeRejectEnglish(true) ? true : o.reject === outcomeRejectEnglish(false) ? false : null;
  const reject = yes === null || (submits !== null && submits !== yes) ? o.reject : t('reject', { submits: yes ? 'yes' : 'no' });
  return { approve, reject };
}

/** The context with its words in `lang`; the same object when there is nothing to word here. */
export function contextWords(c: DecisionContext, s: { workflows: readonly WorkflowInfo[]; contracts: readonly ContractDoc[] }, lang: string): DecisionContext {
  const doc = s.contracts.find((x) => x.contract === c.contract);
  const w = workflowFor(c, s.workflows);
  if (!doc && !w) return c;
  const out: DecisionContext = { ...c };
  if (w) {
    out.workflowTitle = workflowText(w, lang).title;
    out.title = runTitleText({ workflow: w.workflow, title: c.title }, s.workflows, lang);
    if (c.ai) out.ai = { ...c.ai, step: aiStep(w, c.ai.step, lang) };
    if (c.outcome) out.outcome = outcomeWords(c.outcome, w, lang);
  }
  if (doc) {
    if (c.contractTitle === doc.title) out.contractTitle = contractWords(doc, lang).title;
    const words = fieldWords(doc.schema as Schema, localizeSchema(doc.schema as JsonSchema, lang));
    out.fields = c.fields.map(words.field);
    if (out.ai) out.ai = { ...out.ai, sources: out.ai.sources.map(words.source) };
  }
  return out;
}
