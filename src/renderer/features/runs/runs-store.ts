// Workflow runs: the workflows that loaded, the runs list (live through 'runs.changed' events), one
// run's step timeline with its cards, starting a run, and a reviewer's approve / reject.
import { create } from 'zustand';
import type { ContractDoc, Role } from '../../../shared/api/types';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { LoadProblem, RunSummary, RunView, WorkflowInfo } from '../../../shared/workflow/views';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { ApiError } from '../../../shared/errors';
import { serverErrors, type FieldError } from '../capture/schema-form/field-errors';
import type { JsonSchema } from '../capture/schema-form/json-schema';

const PAGE = 200;

interface RunsStore {
  workflows: WorkflowInfo[];
  problems: LoadProblem[];
  contracts: ContractDoc[];
  runs: RunSummary[];
  nextBeforeId: string | null;
  error: string | null;
  selected: { run: RunView; cards: DecisionCard[] } | null;
  /** Start form */
  startWorkflow: string;
  input: Record<string, unknown>;
  startErrors: FieldError[];
  starting: boolean;
  deciding: { runId: string; decision: 'approve' | 'reject' } | null;
  /** The run whose generation is being aborted, and what the last abort said. */
  aborting: string | null;
  abortNote: { runId: string; ok: boolean; text: string } | null;

  load(): Promise<void>;
  refreshRuns(): Promise<void>;
  loadMore(): Promise<void>;
  open(id: string | null): Promise<void>;
  pickWorkflow(w: string): void;
  editInput(v: Record<string, unknown>): void;
  start(): Promise<RunView | null>;
  askDecision(d: RunsStore['deciding']): void;
  decide(comment: string): Promise<void>;
  /** Stops the run's running model generation (inference.abort); the run records what happened. */
  abortGeneration(runId: string): Promise<void>;
}

/** Whether a role may approve or reject (the main process checks again). */
export const canReview = (roles: Role[]): boolean => roles.includes('reviewer') || roles.includes('admin');

export const inputSchemaOf = (s: Pick<RunsStore, 'workflows' | 'contracts'>, workflow: string): JsonSchema | null => {
  const w = s.workflows.find((x) => x.workflow === workflow);
  const c = w && s.contracts.find((x) => x.contract === w.inputContract);
  return c ? (c.schema as JsonSchema) : null;
};

export const useRuns = create<RunsStore>((set, get) => ({
  workflows: [],
  problems: [],
  contracts: [],
  runs: [],
  nextBeforeId: null,
  error: null,
  selected: null,
  startWorkflow: '',
  input: {},
  startErrors: [],
  starting: false,
  deciding: null,
  aborting: null,
  abortNote: null,

  async load() {
    try {
      const [{ workflows, problems }, { contracts }] = await Promise.all([call('workflows.list', {}), call('contracts.list', {})]);
      set((s) => ({ workflows, problems, contracts, startWorkflow: s.startWorkflow || workflows[0]?.workflow || '' }));
      await get().refreshRuns();
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  async refreshRuns() {
    try {
      const { runs, nextBeforeId } = await call('runs.list', { limit: PAGE });
      set({ runs, nextBeforeId, error: null });
      const open = get().selected?.run.id;
      if (open) await get().open(open);
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  async loadMore() {
    const before = get().nextBeforeId;
    if (!before) return;
    const { runs, nextBeforeId } = await call('runs.list', { limit: PAGE, beforeId: before });
    set((s) => ({ runs: [...s.runs, ...runs], nextBeforeId }));
  },
  async open(id) {
    if (!id) return set({ selected: null });
    try {
      set({ selected: await call('runs.get', { id }) });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  pickWorkflow: (startWorkflow) => set({ startWorkflow, input: {}, startErrors: [] }),
  editInput: (input) => set({ input }),
  async start() {
    const { startWorkflow, input } = get();
    set({ starting: true, startErrors: [] });
    try {
      const { run } = await call('runs.start', { workflow: startWorkflow, input });
      set({ starting: false, input: {} });
      await get().refreshRuns();
      await get().open(run.id);
      return run;
    } catch (e) {
      const schema = inputSchemaOf(get(), startWorkflow) ?? ({ type: 'object' } as JsonSchema);
      const mapped = e instanceof ApiError && e.code === 'VALIDATION_ERROR' ? serverErrors(e.details, schema) : [];
      set({ starting: false, startErrors: mapped.length ? mapped : [{ path: '', keyword: 'server', message: errorMessage(e), source: 'server' }] });
      return null;
    }
  },
  askDecision: (deciding) => set({ deciding }),
  async decide(comment) {
    const d = get().deciding;
    if (!d) return;
    const { run } = await call('runs.decide', { runId: d.runId, decision: d.decision, comment, confirm: true });
    set({ deciding: null });
    await get().refreshRuns();
    await get().open(run.id);
  },
  async abortGeneration(runId) {
    if (get().aborting) return;
    set({ aborting: runId, abortNote: null });
    try {
      const { aborted } = await call('inference.abort', { runId });
      set({
        abortNote: { runId, ok: true, text: aborted ? `Aborted ${aborted} generation${aborted === 1 ? '' : 's'}.` : 'No generation was running for this run.' },
      });
    } catch (e) {
      set({ abortNote: { runId, ok: false, text: `Could not abort: ${errorMessage(e)}` } });
    } finally {
      set({ aborting: null });
    }
    await get().refreshRuns();
  },
}));
