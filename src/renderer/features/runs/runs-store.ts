// Workflow runs: the workflows that loaded, starting a run (its input contract's form), and aborting a
// run's model generation. The lists are in run-list-store, the open run in run-detail-store, approve /
// reject in decision-store.
import { create } from 'zustand';
import type { ContractDoc, Role } from '../../../shared/api/types';
import type { LoadProblem, RunView, WorkflowInfo } from '../../../shared/workflow/views';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { i18next } from '../../i18n';
import { ApiError } from '../../../shared/errors';
import { serverErrors, type FieldError } from '../capture/schema-form/field-errors';
import type { JsonSchema } from '../capture/schema-form/json-schema';
import { inputSchemaOf } from './workflow-words';
import { runList } from './run-list-store';
import { useRunDetail } from './run-detail-store';

interface RunsStore {
  workflows: WorkflowInfo[];
  problems: LoadProblem[];
  contracts: ContractDoc[];
  error: string | null;
  /** Start form */
  startWorkflow: string;
  input: Record<string, unknown>;
  startErrors: FieldError[];
  starting: boolean;
  /** The run whose generation is being aborted, and what the last abort said. */
  aborting: string | null;
  abortNote: { runId: string; ok: boolean; text: string } | null;

  load(): Promise<void>;
  /** The workflows and contracts once, for views that only word runs and cards (the cards view). */
  loadWords(): void;
  pickWorkflow(w: string): void;
  editInput(v: Record<string, unknown>): void;
  start(): Promise<RunView | null>;
  /** Stops the run's running model generation (inference.abort); the run records what happened. */
  abortGeneration(runId: string): Promise<void>;
}

/** Whether a role may approve or reject (the main process checks again). */
export const canReview = (roles: Role[]): boolean => roles.includes('reviewer') || roles.includes('admin');

/** This device's runs again, and the open one (after a change). */
export async function refreshDeviceRuns(): Promise<void> {
  await runList('device').getState().refresh();
  await useRunDetail.getState().reloadLocal();
}

type Set = (p: Partial<RunsStore> | ((s: RunsStore) => Partial<RunsStore>)) => void;

async function startRun(set: Set, get: () => RunsStore): Promise<RunView | null> {
  const { startWorkflow, input } = get();
  set({ starting: true, startErrors: [] });
  try {
    const { run } = await call('runs.start', { workflow: startWorkflow, input });
    set({ starting: false, input: {} });
    await runList('device').getState().refresh();
    await useRunDetail.getState().openLocal(run.id);
    return run;
  } catch (e) {
    const schema = inputSchemaOf(get(), startWorkflow, i18next.language) ?? ({ type: 'object' } as JsonSchema);
    const mapped = e instanceof ApiError && e.code === 'VALIDATION_ERROR' ? serverErrors(e.details, schema) : [];
    set({ starting: false, startErrors: mapped.length ? mapped : [{ path: '', keyword: 'server', message: errorMessage(e), source: 'server' }] });
    return null;
  }
}

async function abort(set: Set, get: () => RunsStore, runId: string): Promise<void> {
  if (get().aborting) return;
  set({ aborting: runId, abortNote: null });
  try {
    const { aborted } = await call('inference.abort', { runId });
    set({
      abortNote: { runId, ok: true, text: aborted ? i18next.t('runs:actions.aborted', { n: aborted }) : i18next.t('runs:actions.nothingToAbort') },
    });
  } catch (e) {
    set({ abortNote: { runId, ok: false, text: i18next.t('runs:actions.abortFailed', { error: errorMessage(e) }) } });
  } finally {
    set({ aborting: null });
  }
  await refreshDeviceRuns();
}

/** One workflows + contracts request at a time (the runs view loads them as its lists word them). */
let wordsInFlight: Promise<void> | null = null;
let wordsTried = false;
function fetchWords(set: Set): Promise<void> {
  wordsTried = true;
  wordsInFlight ??= Promise.all([call('workflows.list', {}), call('contracts.list', {})])
    .then(([{ workflows, problems }, { contracts }]) =>
      set((s) => ({ workflows, problems, contracts, error: null, startWorkflow: s.startWorkflow || workflows[0]?.workflow || '' })),
    )
    .finally(() => {
      wordsInFlight = null;
    });
  return wordsInFlight;
}

export const useRuns = create<RunsStore>((set, get) => ({
  workflows: [],
  problems: [],
  contracts: [],
  error: null,
  startWorkflow: '',
  input: {},
  startErrors: [],
  starting: false,
  aborting: null,
  abortNote: null,

  async load() {
    try {
      await fetchWords(set);
      await refreshDeviceRuns();
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  loadWords() {
    if (wordsTried) return;
    fetchWords(set).catch((e: unknown) => set({ error: errorMessage(e) }));
  },
  pickWorkflow: (startWorkflow) => set({ startWorkflow, input: {}, startErrors: [] }),
  editInput: (input) => set({ input }),
  start: () => startRun(set, get),
  abortGeneration: (runId) => abort(set, get, runId),
}));
