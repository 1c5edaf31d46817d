// What a reviewer decides on (shared/workflow/decision-context.ts): built from the run's own rows,
// its input contract, its summary step's output and its cards' lane reasons. Read-only. The same
// context travels in the run's team snapshot, so a reviewer on another device sees the same record.
import type { ContractDoc } from '../../../shared/api/types';
import { msg } from '../../../shared/messages';
import { reasonForLog, type Reason } from '../../../shared/policy/reasons';
import {
  formatValue,
  identifierOf,
  labelAt,
  outcomeEnglish,
  redWhenFields,
  titleFieldsOf,
  titleWith,
  valueAt,
  type DecisionContext,
  type RecordField,
} from '../../../shared/workflow/decision-context';
import type { DecisionCard, WorkflowManifest } from '../../../shared/workflow/types';
import { textFields } from '../../../shared/text';
import type { EngineCore } from './core';
import { executorName } from './manifest';
import type { RunRow, StepRow } from './rows';
import { contractOf, inputOf, searchWordsOf } from './record-title';

type Schema = Record<string, unknown>;

/**
 * Fields the contract's risk hints name, highlighted when their rule is what made the lane RED
 * (the lane rules' own reasons say so: policy/lanes.ts classifyLane).
 */
function redFields(doc: ContractDoc, reasons: readonly Reason[]): Map<string, Reason> {
  const out = new Map<string, Reason>();
  const hints = doc.riskHints;
  const redWhen = typeof hints.redWhen === 'string' ? hints.redWhen : null;
  if (redWhen && reasons.some((r) => isRedRule(r, redWhen)))
    for (const p of redWhenFields(redWhen, doc.schema)) out.set(p, msg('guard.field.red_when', { rule: redWhen }));
  const amount = typeof hints.amountField === 'string' && hints.amountField ? hints.amountField : null;
  if (amount) {
    const pointer = amount.startsWith('/') ? amount : `/${amount.split('.').join('/')}`;
    const why = reasons.find((r) => isRedAmount(r, amount));
    if (why) out.set(pointer, why);
  }
  return out;
}

// A lane reason is a message (guard.lane.*); cards stored before messages hold the English sentence.
const isRedRule = (r: Reason, redWhen: string): boolean =>
  typeof r === 'string'
    ? r.includes(`red rule holds for this data: ${redWhen}`) || r.includes(`red rule (${redWhen}) could not`)
    : (r.code === 'guard.lane.red_rule' || r.code === 'guard.lane.red_rule_error') && r.params?.rule === redWhen;
const isRedAmount = (r: Reason, amount: string): boolean =>
  typeof r === 'string'
    ? r.startsWith(`Amount ${amount} is`) && /RED threshold|so RED/.test(r)
    : (r.code === 'guard.lane.amount_red' || r.code === 'guard.lane.amount_invalid') && r.params?.field === amount;

/** Record fields (`data.x` values) read by the failed invariants the run waits on: what needs the reviewer. */
function invariantFields(card: DecisionCard): Map<string, Reason> {
  const out = new Map<string, Reason>();
  for (const inv of card.invariants) {
    if (inv.pass) continue;
    for (const k of Object.keys(inv.values)) {
      const m = /^data\.([A-Za-z_]\w*)/.exec(k);
      if (m && !out.has(`/${m[1]}`)) out.set(`/${m[1]}`, inv.message ?? inv.error ?? inv.id);
    }
  }
  return out;
}

/** A lane reason that names a field, or only restates the contract's default lane: not an "other" reason. */
const tiedToField = (r: Reason, doc: ContractDoc | null): boolean => {
  if (typeof r !== 'string')
    return (
      r.code === 'guard.lane.default' ||
      (doc !== null && (r.code.startsWith('guard.lane.red_rule') || (r.code.startsWith('guard.lane.amount_') && r.params?.field === doc.riskHints.amountField)))
    );
  return (
    /^Contract \S+ defaults to /.test(r) ||
    (doc !== null &&
      (r.includes("The contract's red rule") || (typeof doc.riskHints.amountField === 'string' && r.startsWith(`Amount ${doc.riskHints.amountField} is`))))
  );
};

function fieldsOf(doc: ContractDoc, data: unknown, red: Map<string, Reason>): RecordField[] {
  const schema = doc.schema as Schema;
  const paths = [...titleFieldsOf(schema, doc.pii)];
  for (const p of red.keys()) if (!paths.includes(p) && !doc.pii.includes(p)) paths.push(p);
  const out: RecordField[] = [];
  for (const path of paths) {
    const value = formatValue(valueAt(data, path));
    if (value === null) continue;
    const why = red.get(path) ?? null;
    out.push({ path, label: labelAt(schema, path), value, red: why !== null, why });
  }
  return out;
}

const sourcesOf = (paths: string[], doc: ContractDoc | null, data: unknown) =>
  paths
    .filter((p) => !doc?.pii.includes(p))
    .map((p) => ({ path: p, label: labelAt(doc?.schema as Schema | undefined, p), value: formatValue(valueAt(data, p)) ?? '' }))
    .filter((x) => x.value !== '');

/** The summary step the run has not reached yet, with the fields it will read (its `fields`, else the record's free text). */
function pendingAi(m: WorkflowManifest, row: RunRow, doc: ContractDoc | null, data: unknown): DecisionContext['ai'] {
  if (row.status !== 'awaiting_approval' && row.status !== 'pending' && row.status !== 'running') return null;
  const i = m.steps.findIndex((s, k) => k >= row.next_step && executorName(s.uses) === 'ai-summarize');
  const step = m.steps[i];
  if (!step) return null;
  const fields = Array.isArray(step.with?.fields) ? (step.with.fields as unknown[]).filter((f): f is string => typeof f === 'string') : null;
  const input = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const paths = fields ? fields.map((f) => (f.startsWith('/') ? f : `/${f.replace(/~/g, '~0').replace(/\//g, '~1')}`)) : textFields(input).map((t) => t.path);
  return { step: step.title ?? step.id, state: 'pending', model: null, text: null, sources: sourcesOf(paths, doc, data) };
}

/** The last summary step's output, beside the input fields it read (PII fields left out). */
function aiOf(m: WorkflowManifest, steps: StepRow[], doc: ContractDoc | null, data: unknown): DecisionContext['ai'] {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (s.executor !== 'ai-summarize' || s.status !== 'succeeded') continue;
    let out: Record<string, unknown>;
    try {
      out = JSON.parse(s.output) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof out.summary !== 'string') continue;
    const paths = Array.isArray(out.fields) ? (out.fields as unknown[]).filter((f): f is string => typeof f === 'string') : [];
    const step = m.steps.find((x) => x.id === s.step_id);
    return {
      step: step?.title ?? s.step_id,
      state: 'done',
      model: typeof out.model === 'string' ? out.model : null,
      text: out.summary,
      sources: sourcesOf(paths, doc, data),
    };
  }
  return null;
}

/** What approving and rejecting do, from the steps after the one the run waits at. */
function outcomeOf(m: WorkflowManifest, row: RunRow): DecisionContext['outcome'] {
  if (row.status !== 'awaiting_approval') return null;
  const waitingAt = m.steps[row.next_step];
  // Waiting at a review gate: approving passes it, so the run goes on to the step after it.
  const first = waitingAt && executorName(waitingAt.uses) === 'review-gate' ? row.next_step + 1 : row.next_step;
  const { approve, reject } = outcomeEnglish(m.steps.slice(first));
  return { approve, reject };
}

export function decisionContext(core: EngineCore, runId: string): DecisionContext {
  const row = core.store.row(runId);
  const m = core.catalog.manifestOf(row);
  const doc = contractOf(core.d.contracts, row.input_contract);
  const data = inputOf(row);
  const cards = core.cards.forRun(runId);
  // The reasons that made the run RED (every RED card's), else the latest card's.
  const redCards = cards.filter((c) => c.lane === 'RED');
  const all = (redCards.length ? redCards : cards.slice(-1)).flatMap((c) => c.laneReasons);
  const reasons = [...new Map(all.map((r) => [reasonForLog(r), r])).values()];
  const red = doc ? redFields(doc, reasons) : new Map<string, Reason>();
  const waitingOn = row.status === 'awaiting_approval' ? cards.find((c) => c.id === row.awaiting_card) : undefined;
  if (waitingOn) for (const [p, why] of invariantFields(waitingOn)) if (!red.has(p)) red.set(p, why);
  const identifier = doc ? identifierOf(doc.schema, data, doc.pii) : null;
  return {
    runId,
    workflowTitle: m.title,
    contract: row.input_contract,
    contractTitle: doc?.title ?? row.input_contract,
    title: titleWith(m.title, identifier),
    identifier,
    fields: doc ? fieldsOf(doc, data, red) : [],
    lane: row.lane,
    otherReasons: row.lane === 'RED' ? reasons.filter((r) => !tiedToField(r, doc)) : [],
    ai: aiOf(m, core.store.stepRows(runId), doc, data) ?? pendingAi(m, row, doc, data),
    outcome: outcomeOf(m, row),
    search: searchWordsOf(core.d.contracts, row),
  };
}
